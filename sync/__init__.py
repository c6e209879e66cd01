"""Catalog, customer and order synchronisation with commerce platforms (WooCommerce, Shopify)."""
