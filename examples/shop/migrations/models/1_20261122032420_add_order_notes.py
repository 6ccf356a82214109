from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "customer" ADD "phone" VARCHAR(32);
        ALTER TABLE "order" ADD "notes" TEXT;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "customer" DROP COLUMN "phone";
        ALTER TABLE "order" DROP COLUMN "notes";"""


MODELS_STATE = (
    "eJztm21P2zoUx79KlVdM4iII7EF7V0rZegftBNG9066uLDdx24jEDokzqLZ+99lOnEcnNI"
    "x2bZZX0ONzHOeXE5+/D+W75hILOcHRgIQewdr73ncNQxexXwojhz0Nel5q5wYKp45wNVOf"
    "aUB9aFJmnUEnQMxkocD0bY/aYn4cOg43EpM52niemkJs34cIUDJHdIF8NvDf/8xsYws9ok"
    "B+9O7AzEaOlVuqbfFrCzugS0/YRpheCkd+tSkwiRO6OHX2lnRBcOJtY8qtc4SRDyni01M/"
    "5Mvnq4vvU95RtNLUJVpiJsZCMxg6NHO7U5DaNADGEwPcDg0AtAaATII5XLbUQNz9nC/hL/"
    "3k7O3Zu9M3Z++Yi1hmYnm7ii6dgokCBZ6xoa3EOKQw8hCMU6gme85lrIMF9NVcpX+BLFty"
    "kazkuLtoXfgIHITndME+nuo1HP/p3ww+9m8OTvVX/IKEJX/0TozjEV0McdQpWg/5JsIUkN"
    "msQeIWop7O4HU4S0MKOn1v9yaJU7LfoGNbIMTUdspkLxgXartIjbcQWsBrxbFH8pc1YMcp"
    "uyusa0Aao+vhrdG//synd4Pg3hG8+saQj+jCuixYD94UMj6ZpPfvyPjY4x97XyfjoaBJAj"
    "r3xRVTP+OrxtcEQ0oAJg8AWlkm0ixNK779z+4yexU3TKF59wB9C5RGiE6qfMtDru4WLRDD"
    "uXhInCZfpyyIYUCJKwpUuVjKsfpymfXqCuZ+7TXVBRO5ULXrVFfMJKB1JVN//XqNmsm8Ko"
    "umGMvv7eJnA7zS/2Xo/u5CmeN7cny8Bl/mVclXjBVUCaPUCHAS8CzCO1YdN635TB9xFgDS"
    "psIkH/kCumTncpvdoDXBzjLOij0RKnEC/4pOSdOD+Bbyg3JqnMdxl59ukAMF2XISxOpjwu"
    "fYw+e/khkvrTIPNinjIlgKDZdQrBZwJHHp1Ftb1FtAIQ0VL2B1+UsjtqcwNA9hi2Pajoxb"
    "R2Xo1SJDL2kMSihUncyRabvQUXNOYoqlLwo6ioP3d+NT0b0YDkbX/auDE/0wUhmsqNkUZc"
    "GflehiQpEihQ30WLE5JAFtUHB1smH4xcgpBpmjB9f9L69yquFqMv4g3TM5PbianHeK7g9V"
    "dLmnHjdvQKMqXIjqerdxRS5p5TLoMuVL4iN7jj+hpYA9YquC2FSdRBVtuT2DXKWNmdmHD4"
    "k4LCYYY8DuHEUFY9C/HfQvhtpqnYMIKzLuS5xDRmyeFvHe/FlEAKs6j0iaT5xJbOnWnUv2"
    "aRc8rDmX3IcQU5suG6DNhmyv0pzsNOAUKLspCjzfNhW9ztpzSD7wjzyMHDc4jIgNqZlKyo"
    "Z0EkmRu55PrNCkzajmgzquT0vPpL/3i7qzbQ3ZoujMvq9qxalI3hfg+jmdqaVk8+9sUzW/"
    "Sa0q2SuUauaxVOvUTBZ0KnWvNsw6ldr9bT7TNF+va17XNi+JqezKSpir+7uFsK7L27zL+5"
    "yTQndIWPeQ0PXQq3eVdvXQn/+tCNC1JLffkuwjtoctVCovHqkVeTD16TReWzTeN+QHSv1R"
    "LfMyIW1Uepv4lit/qRoQjt1bSHcj33FlV6QIK8TG37eTcdX/NSUhRZVhm7T3o+fYwR63Il"
    "RwOYx6IV3UzAWNwCc4V/XYttmzWP0EXW4xYg=="
)
