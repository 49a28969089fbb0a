# dashboard: static files served by dtd
