// Catalog module; see docs/ARCHITECTURE.md.
