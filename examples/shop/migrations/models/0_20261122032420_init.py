from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "coupon" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "code" VARCHAR(32) NOT NULL UNIQUE,
    "percent_off" INT NOT NULL,
    "valid_until" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "customer" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(255) NOT NULL UNIQUE,
    "name" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "order" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "status" VARCHAR(20) NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "customer_id" INT NOT NULL REFERENCES "customer" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "product" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "description" TEXT,
    "price" DECIMAL(10,2) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS "orderitem" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "quantity" INT NOT NULL,
    "unit_price" DECIMAL(10,2) NOT NULL,
    "order_id" INT NOT NULL REFERENCES "order" ("id") ON DELETE CASCADE,
    "product_id" INT NOT NULL REFERENCES "product" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztm21zmzgQx7+Kh1fpTC+TkPRh7p3jOFdfE7uTMNdOOzcaGWRbE5AIiCaenr/7SQLxKB"
    "xztX3B5VXs1a4QPxbtnzX5YXjUQW54PKCRT4nxe++HQaCH+IfSyOueAX0/swsDg1NXutqZ"
    "zzRkAbQZt86gGyJuclBoB9hnWM5PItcVRmpzR0zmmSki+CFCgNE5YgsU8IFvf3MzJg56Qq"
    "H66t+DGUauU1gqdsSxpR2wpS9tI8KupKM42hTY1I08kjn7S7agJPXGhAnrHBEUQIbE9CyI"
    "xPLF6pLzVGcUrzRziZeYi3HQDEYuy53uFGQ2A4DxxAJ3QwsAowEgmxIBly81lGc/F0v4zT"
    "w9f3f+/uzt+XvuIpeZWt6t4kNnYOJAiWdsGSs5DhmMPSTjDKrNr3MV62ABAz1X5V8iy5dc"
    "Jqs4vly0HnwCLiJztuBfz8w1HP/q3w4+9G+PzsxX4oCUJ398T4yTEVMOCdQZWh8FNiIM0N"
    "msQeKWop7P4E04K0MGOrtvW5PEGdnv0MUOiAjDbpXsJefCsIf0eEuhJbxOEnusPmwAO0nZ"
    "l8J6DUhrdDO8s/o3n8T0Xhg+uJJX3xqKEVNalyXr0dtSxqeT9D6PrA898bX3dTIeSpo0ZP"
    "NAHjHzs74aYk0wYhQQ+gigk2eizMq0Etv/7D63VwnDFNr3jzBwQGWEmrTOtzrkmV7ZAgmc"
    "y4skaIp1qoIYhYx6skBVi6UaW18u815dwWzXXlNfMJEHdbtOfcVMAw6uZJpv3mxQM7lXbd"
    "GUY8W9Xf5tgFf5b4fu/10oC3xPT0424Mu9avnKsSJfO0CCB4CsaeksRm6hcr44+vwEnQlx"
    "l8ld1ZJSmmwAP1NJs/SggYOCsJoaF0nc1cdb5EJJtpoESX2ciDlaeP1XKuOVVeXBLoVGDE"
    "ujMlKK9RKDpi6dvjgUfREyyCLNDVhfAbOI/dVA/phKHIFpP0Jjkzpo1pdBs1IFGWVQ9+yI"
    "bOxBV885jSmXvjjoOAlu78ano3s5HIxu+tdHp+bruPfBixpmKA/+vNMYv6zGKFz15IEXNK"
    "oLpaiu35XUiIp6q4KuUr6iAcJz8hEtJewRXxUktu75SNPKaBnkOrXGzQF8TOVKOcE4A37m"
    "KN7CBv27Qf9yaKw2kcZ82/O2oYxHfJ4D4r17dSyB1SlkRfMZlYyVW6eU27QLrlPKDxEkDL"
    "NlA7T5kP1VmtMXDTgDyk+KAT/AtqYBt1YZFwN/SXl80kAeyw2pmUrKh3QSSZO7fkCdyGbN"
    "qBaDOq7PS8+04/STuvPQWoRl0Zm/X/WKU5O8W+D6KZvpQMkW79mman6XWlWx1yjV3GWp16"
    "m5LOhUaqs2zHUqtfs9M9fG3ayPu66RWxFT+ZVVMFvoqSZ9S2H/iXaL3vwZfrEKXUSF9Oim"
    "/+VVoZN4PRn/odxzl2BwPbmoSK7mTwrdQ0LXQ+966Nv6nR50Lcn9tyT7iO9hC53KS0bWij"
    "yY+XQa71A03ncUhFr9US/zciGHqPR28WaguKkaEE7cD5Dubt4LpIQhohEbf95NxnX/C5KG"
    "lFUGtlnvn56Lwxa3InRwBYz1QrqsmUsaQUxwoeux7bNnsfoXKwdO2A=="
)
