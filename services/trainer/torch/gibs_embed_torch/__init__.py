"""gibs-embed's PyTorch DDP trainer backend: the TypeScript trainer prepares a job directory, launches one
process per rank (`python3 -m gibs_embed_torch train --job DIR`) and reads the weights back. See README.md."""

__all__ = ["__version__"]
__version__ = "1"
