from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "product" ADD "title" VARCHAR(200) NOT NULL;
        ALTER TABLE "product" DROP COLUMN "name";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "product" ADD "name" VARCHAR(200) NOT NULL;
        ALTER TABLE "product" DROP COLUMN "title";"""


MODELS_STATE = (
    "eJztmm1P4zgQx79KlVesxCEI7IPuXSnltrfQriC6W+3pZLmJ21okdkichWq33/1s5zlxQs"
    "NSrsnmFXQ84zi/TDx/T/tdc6iFbP9oRAOXEu33wXeNQAfxfwojhwMNum5qFwYG57Z0NVOf"
    "uc88aDJuXUDbR9xkId/0sMuwnJ8Eti2M1OSOmCxTU0DwfYAAo0vEVsjjA//8y82YWOgR+f"
    "FH9w4sMLKt3FKxJa4t7YCtXWmbEHYpHcXV5sCkduCQ1NldsxUliTcmTFiXiCAPMiSmZ14g"
    "li9WF91nfEfhSlOXcImZGAstYGCzzO3OQWrTAJjODHA7NgDQGgAyKRFw+VJ9efdLsYTf9J"
    "Oz92cfTt+dfeAucpmJ5f0mvHQKJgyUeKaGtpHjkMHQQzJOoZr8OZexjlbQU3ON/Qtk+ZKL"
    "ZGOO+4vWgY/ARmTJVvzjqV7D8a/hzejj8ObgVH8jLkh58ofvxDQa0eWQQJ2idZFnIsIAXS"
    "waJG4h6ukM3oZzbEhBp+9ta5I4JfsN2tgCAWHYLpO94FwYdpAabyG0gNeKYo/if7aAHaXs"
    "vrCuAWlMrse3xvD6s5je8f17W/IaGmMxokvrumA9eFfI+GSSwd8T4+NAfBx8nU3Hkib12d"
    "KTV0z9jK+aWBMMGAWEPgBoZZnE5ti0Edv/4i6zVwnDHJp3D9CzQGmE6rTKtzzk6E7RAglc"
    "yockaIp1xgUx8Bl1ZIEqF8t4rL5cZr36gtmuvaa6YCIHqnad6oqZBHSuZOpv325RM7lXZd"
    "GUY/m9Xf5tgDf2fxm6/3ehzPE9OT7egi/3quQrxwqqhFNqBDgJeBbhPauOu9Z8Nl1Dm60B"
    "w+HGvy3kYlwHs1nfJpn16lzWS6lsekjAAJA1VYH5yBcQgXuHnt+gNSP2OnoFW6IKo93iZ0"
    "Rhmh7Us5Dnl1PjPIq7/HSDbCjJlpMgknozMUcLn/8mzvjYGufBLjVzCEshmBOK1WqZJi69"
    "VO6KVPYZZIHiBawug2nE6xVAzUXEEphaWgUZZVDVBkEmdqCt5pzEFEtfGHQUBbd341PRvR"
    "iPJtfDq4MT/TCUdLyoYYay4M9KdAllSJHCBnqs2BySgC7I5TrZMP5i5BRDnKMH18Mvb3Kq"
    "4Wo2/SN2z+T06Gp23iu6X1TR5Z561CkDjapwIapvlEcVuaSVy6DLlC+ph/CSfEJrCXvCVw"
    "WJqTr2K3qgLYNcpY252YMPiTgsJhhnwO8chQVjNLwdDS/G2mabgwgvMs5LnEMmfJ4O8d79"
    "WUQCqzqPxDSfOJPg2K0/l7RpFzysOZfcB5AwzNYN0GZDXq/SnOw14BQovykGXA+bisZy7T"
    "kkH/hLHkaOGxxG5IbUTCVlQ3qJpMhd16NWYLJmVPNBPdenpWfS3/tJ3dm1hmxRdGbfV7Xi"
    "VCTvC3D9nM7UUbL5d7apmt+lVo3ZK5Rq5rFU69RMFvQqtVUbZp1K5XLTbvRFfRLQyS+Pt+"
    "ub1zXOS3Iqu7IS5+oObyGs7/M27/M+56zQHxO2PSb0XfTqXaVbXfTn/y4C9E3J129KDhHf"
    "w1YqnReN1Mo8mPr0Kq8rKu8b8nyl/qjWeZmQLiq9XfyoWLxUDQhH7h2ku5OfFPMrMkQUYu"
    "PP29m0QmikIUWVgU02+DGwsd/iZoQKroBRL6SLmrmgEcQE56ou22t2LTb/AeHEp6Y="
)
