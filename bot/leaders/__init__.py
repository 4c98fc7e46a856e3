"""The leaders' overview: the akim, the head of apparatus and the deputy akims."""
