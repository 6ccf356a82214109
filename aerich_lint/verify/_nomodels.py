"""An app without models: ``Tortoise.init`` insists on one, verify needs none."""
