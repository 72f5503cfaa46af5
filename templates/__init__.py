"""Shipped notes templates (Jinja2); see README.md in this folder."""
