"""Demo data: `load_demo(session)` fills an empty database with the Sandviken pool."""
from seed.sandviken import DemoError, load_demo

__all__ = ["DemoError", "load_demo"]
