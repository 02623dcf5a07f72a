"""What is kept of a conversation: redaction at write time and retention."""
