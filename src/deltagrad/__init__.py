"""deltagrad: backpropagation, from the chapter to tested, fast software."""
__version__ = "0.1.0"
