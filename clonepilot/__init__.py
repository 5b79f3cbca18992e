"""clonepilot: refresh database copies from Symmetrix / PowerMax clone sets."""

__version__ = "0.1.0"
