"""netstat grammars, one module per dialect, and the streaming reader that picks between them."""
