"""Tortoise ORM settings of the example shop."""

TORTOISE_ORM = {
    "connections": {
        # db.invalid never resolves: migrations are made with `aerich migrate --offline`.
        "default": "postgres://shop:secret@db.invalid:5432/shop",
    },
    "apps": {
        "models": {
            "models": ["shop.models", "aerich.models"],
            "default_connection": "default",
        },
    },
}
