"""Realio's Apollo Federation v2 router: composition, query planning, execution, serving."""
