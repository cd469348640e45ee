// Reports module; see docs/ARCHITECTURE.md.
