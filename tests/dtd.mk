# tests of dtd
