from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "customer" ADD "loyalty_tier" VARCHAR(20) NOT NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "customer" DROP COLUMN "loyalty_tier";"""


MODELS_STATE = (
    "eJztmm1vozgQx79KxKuu1Kta2n3QvUvT9Da3bbJq0d1qTyfLASexCjYFs220m+9+tnkGQ0"
    "O36QWWV23GM8b8GDx/j/iuOdRCtn80ooFLifb74LtGoIP4P4WRw4EGXTe1CwODc1u6mqnP"
    "3GceNBm3LqDtI26ykG962GVYzk8C2xZGanJHTJapKSD4PkCA0SViK+TxgX/+5WZMLPSI/P"
    "inewcWGNlWbqnYEteWdsDWrrRNCLuUjuJqc2BSO3BI6uyu2YqSxBsTJqxLRJAHGRLTMy8Q"
    "yxeri+4zvqNwpalLuMRMjIUWMLBZ5nbnILVpAExnBrgdGwBoDQCZlAi4fKm+vPulWMJv+s"
    "nZ+7MPp+/OPnAXuczE8n4TXjoFEwZKPFND28hxyGDoIRmnUE3+nMtYRyvoqbnG/gWyfMlF"
    "sjHH/UXrwEdgI7JkK/7zVK/h+NfwZvRxeHNwqr8RF6Q8+cN3YhqN6HJIoE7RusgzEWGALh"
    "YNErcQ9XQGb8M5NqSg0/e2NUmckv0GbWyBgDBsl8lecC4MO0iNtxBawGtFsUfxP1vAjlJ2"
    "X1jXgDQm1+NbY3j9WUzv+P69LXkNjbEY0aV1XbAevCtkfDLJ4O+J8XEgfg6+zqZjSZP6bO"
    "nJK6Z+xldNrAkGjAJCHwC0skxic2zaiO1/cZfZq4RhDs27B+hZoDRCdVrlWx5ydKdogQQu"
    "5UMSNMU644IY+Iw6skCVi2U8Vl8us159wWzXXlNdMJEDVbtOdcVMAjpXMvW3b7eomdyrsm"
    "jKsfzeLv82wBv7vwzd/7tQ5vieHB9vwZd7VfKVYwVVwik1ApwEPIvwnlXHXWs+m66hzdaA"
    "4XDj3xZyMa6D2axvk8x6dS7rpVQ2PSRgAMiaqsB85AuIwL1Dz2/QmhF7Hb2CLVGF0W7xM6"
    "IwTQ/qWcjzy6lxHsVdfrpBNpRky0kQSb2ZmKOFz38TZ3xsjfNgl5o5hKUQzAnFarVME5de"
    "KndFKvsMskDxAlaXwTTi9Qqg5iJiCUwtrYKMMqhqgyATO9BWc05iiqUvDDqKgtu78anoXo"
    "xHk+vh1cGJfhhKOl7UMENZ8GcluoQypEhhAz1WbA5JQBfkcp1sGH8xcoohztGD6+GXNznV"
    "cDWb/hG7Z3J6dDU77xXdL6rock896pSBRlW4ENU3yqOKXNLKZdBlypfUQ3hJPqG1hD3hq4"
    "LEVB37FT3QlkGu0sbc7MGHRBwWE4wz4HeOwoIxGt6OhhdjbbPNQYQXGeclziETPk+HeO/+"
    "LCKBVZ1HYppPnElw7NafS9q0Cx7WnEvuA0gYZusGaLMhr1dpTvYacAqU3xQDrodNRWO59h"
    "ySD/wlDyPHDQ4jckNqppKyIb1EUuSu61ErMFkzqvmgnuvT0jPp7/2k7uxaQ7YoOrPvq1px"
    "KpL3Bbh+TmfqKNn8O9tUze9Sq8bsFUo181iqdWomC3qV2qoNs06l9h9CZJrm23XN69rmJT"
    "GVXVkJc3V/txDWd3mbd3mfc1LoDwnbHhL6Hnr1rtKtHvrzv4oAfUvy9VuSQ8T3sJVK5UUj"
    "tSIPpj69xuuKxvuGPF+pP6plXiaki0pvF58Ui5eqAeHIvYN0d/JBMb8iQ0QhNv68nU0rhE"
    "YaUlQZ2GSDHwMb+y1uRajgChj1QrqomQsaQUxwruqxvWbPYvMfOpKmpA=="
)
