from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "coupon";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztml1vozgUhv9KxFVH6lQt7Xxo72ia7mSmTUYt2h3NamU54CZWwaZgpo1m8t/XNt9gaO"
    "i2UWG4SnJ8DrYfjvF7TH5qLrWRExyMw4BRF/naH6OfGoEu4l8qbfsjDXpe1iIMDC4c6Wzl"
    "vRYB86HFuP0GOgHiJhsFlo89hinhVhI6jjBSiztissxMIcF3IQKMLhFbyfH88y83Y2KjBx"
    "QkP71bcIORYxeGi23Rt7QDtvakbUrYuXQUvS2ARZ3QJZmzt2YrSlJvTJiwLhFBPmRIXJ75"
    "oRi+GF0802RG0Ugzl2iIuRgb3cDQYbnpLkBm0wCYzU1wPTEB0FoAsigRcPlQAzn7pRjCW/"
    "3o5MPJx+P3Jx+5ixxmavmwibrOwESBEs/M1DayHTIYeUjGGVTkQuxUuY5X0FeDTQNKbPmg"
    "y2wTkq8XrgsfgIPIkq0E0XfvGlD+ZVyNPxlXe9zrjeiS8gUQrYxZ3KRHbYJ3xld+tsCb+D"
    "8P3cSQ4c3W6875Hh0ebsGXe9XylW1Fvh6n1ApwGvAkwnF2vk7Ax/oWfI/1WryiqUjXoWvo"
    "sDVgOHrwbwu5HNfDbNa3SWa9Ppf1SipbPhIwAGRV1Ge8hWEXqXEXI0uw7Tj0IPnSRfR8gv"
    "acOOt4CTagN6eXk2vTuPwqunOD4M6R/AxzIlp0aV2XrHvvS7cpvcjo76n5aSR+jr7PZxOJ"
    "lwZs6cseMz/zuybGBENGAaH3ANq5vSyxJtQ2QuLc3Ob2Y2FYQOv2Hvo2KLRk6UF9G/lBNT"
    "VO47jzL1fIgZJsNQliqTcX1+jg/d8kGZ9YkzwQ4KhO61BWm1zdLVsggUs5JdG36KkASyGY"
    "U4r1apmmLoNU7otUDhhkoWIB1m+DWcTuNkDNQ8QWmDq6CzLKoKIgOUMWdqGj5pzGlLe+KO"
    "ggDu7ug09F92wynl4aF3tH+n4k6fimhhnKgz+p0CWUIUUKm+ih5uGQBvRBLjfJhsk3s6AY"
    "khzduzS+vSmohov57M/EPZfT44v56aDoflNFV7jr8UkZaLULl6Ie3467cJOfYUeuaOUq6C"
    "rlc+ojvCRf0FrCnvJRQWKpyn7FGWjHINdpY2724X0qDssJxhnwmaNowxgb12PjbKJttilE"
    "+CbjPkcdMuXX6RHvl69FJLC6eiSh+UhNghO3oS7p0lNwv6EuuQshYZitW6DNh+xupzl61Y"
    "AzoHxSDHg+thQHy411SDHwtyxGDlsUI/KB1E4l5UMGiaTIXc+ndmixdlSLQQPXx6Vner73"
    "P3Vn3w5ky6Izv17VilORvM/A9Wt2pZ6SLa7Ztmr+JbVqwl6hVHO3pV6n5rJgUKmdemA2qV"
    "QuN51WL+rTgF6+PN7u3Lzp4Lz6V4gnKNZBrG4rVoez3Prc7tdZ7tPfzoPhaGz3R2MG4s+w"
    "lUptxC2NYgNmPoPW6IvW+IH8IF5k26qNXEgf9cZL/LVVLKoWhGP3HtJ9kT+28h4ZIgqx8f"
    "l6PqsRGllIWWVgi41+jRwcdLgkVsEVMJpf25ff0Jc0grjAqeqsZ5e18+Y/dqPn1w=="
)
