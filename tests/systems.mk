# tests of systems
