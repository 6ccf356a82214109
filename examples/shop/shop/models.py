"""Models of the example shop."""

from tortoise import fields
from tortoise.models import Model


class Customer(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=255, unique=True)
    name = fields.CharField(max_length=100)
    phone = fields.CharField(max_length=32, null=True)
    loyalty_tier = fields.CharField(max_length=20)
    created_at = fields.DatetimeField(auto_now_add=True)


class Product(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    price = fields.DecimalField(max_digits=10, decimal_places=2)
    created_at = fields.DatetimeField(auto_now_add=True)


class Order(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField("models.Customer", related_name="orders")
    status = fields.CharField(max_length=20, default="pending")
    total = fields.DecimalField(max_digits=12, decimal_places=2)
    notes = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)


class OrderItem(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="items")
    product = fields.ForeignKeyField("models.Product", related_name="order_items")
    quantity = fields.IntField(default=1)
    unit_price = fields.DecimalField(max_digits=10, decimal_places=2)
