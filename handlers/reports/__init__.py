"""/report: the execution-discipline report in the chat, and the quarterly report's messages."""
