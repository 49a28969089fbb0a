# history formats (EDN, porcupine logs) and dt-check
