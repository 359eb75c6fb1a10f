"""HTTP routes. Each handler parses, calls one service, and shapes the answer."""
