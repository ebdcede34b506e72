"""Output formats. Every place where text from a capture meets a terminal or a file is here."""
