from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "product" DROP COLUMN "description";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "product" ADD "description" TEXT;"""


MODELS_STATE = (
    "eJztm11P4zgUhv9KlStGYhEE5kN7V0rZ6Q60I4h2R7NaWW7ithaJHRJnoJrpf1/b+U6ckD"
    "CUbTO5oj0+x3GeHPu8dsp3zaEWsv2jEQ1cSrTfB981Ah3EPxRaDgcadN3ULgwMzm3paqY+"
    "c5950GTcuoC2j7jJQr7pYZdh2T8JbFsYqckdMVmmpoDg+wABRpeIrZDHG/75l5sxsdAj8u"
    "Ov7h1YYGRbuaFiS1xb2gFbu9I2IexSOoqrzYFJ7cAhqbO7ZitKEm9MmLAuEUEeZEh0z7xA"
    "DF+MLrrP+I7CkaYu4RAzMRZawMBmmdudg9SmATCdGeB2bACgtQBkUiLg8qH68u6XYgi/6S"
    "dn788+nL47+8Bd5DATy/tNeOkUTBgo8UwNbSPbIYOhh2ScQjX5cy5jHa2gp+Ya+xfI8iEX"
    "ycYcdxetAx+BjciSrfjXU72G41/Dm9HH4c3Bqf5GXJDy5A/nxDRq0WWTQJ2idZFnIsIAXS"
    "xaJG4h6ukMbsI5NqSg03m7N0mckv0GbWyBgDBsl8lecC4MO0iNtxBawGtFsUfxhwawo5Td"
    "FdY1II3J9fjWGF5/Ft07vn9vS15DYyxadGldF6wH7woZn3Qy+HtifByIr4Ovs+lY0qQ+W3"
    "ryiqmf8VUTY4IBo4DQBwCtLJPYHJs2Yvlf3GXWKmGYQ/PuAXoWKLVQnVb5lpsc3SlaIIFL"
    "+ZAETTHOuCAGPqOOLFDlYhm31ZfLrFdfMPdrrakumMiBqlWnumImAZ0rmfrbtw1qJveqLJ"
    "qyLb+2y78t8Mb+L0P3/y6UOb4nx8cN+HKvSr6yraBKOKVWgJOAZxHeseq4bc1n0zW02Row"
    "HC78TSEX4zqYzXqTZNarc1kvpbLpIQEDQNZWBeYjX0AE7hx6foPWjNjraAruiSqMVoufEY"
    "VpelDPQp5fTo3zKO7y0w2yoSRbToJI6s1EH3v4/DdxxsfWOA+2qZlDWArBnFCsVss0ceml"
    "clekss8gCxQTsLoMphGvVwA1FxFLYNrTKsgog6pjEGRiB9pqzklMsfSFQUdR8P4ufCq6F+"
    "PR5Hp4dXCiH4aSjhc1zFAW/FmJLqEMKVLYQI8Vi0MS0AW5XCcbxl+MnGKIc/TgevjlTU41"
    "XM2mf8TumZweXc3Oe0X3iyq63FOPTspAqypciOoPyqOKXNLKZdBlypfUQ3hJPqG1hD3ho4"
    "LEVG37FWegewa5ShtzswcfEnFYTDDOgN85CgvGaHg7Gl6MtU2TjQgvMs5L7EMmvJ8O8d7+"
    "XkQCq9qPxDSf2JPg2K3fl+zTKnhYsy+5DyBhmK1boM2GvF6lOdlpwClQflMMuB42FQfLtf"
    "uQfOAvuRk5brEZkQtSO5WUDeklkiJ3XY9agcnaUc0H9Vyflp7J+d5P6s6uHcgWRWd2vqoV"
    "pyJ5X4Dr57SnjpLNz9m2an6bWjVmr1CqmcdSrVMzWdCr1L1aMOtUKpebdqsX9UlAJ18eNz"
    "s3rzs4L/8U4hmKtRerTcVqf5ZbndvdOst9/tt50B+Nvf7R2BDxNWylUhtRS63YgKlPrzW6"
    "ojW+Ic+PJllTtZEJ6aLe2MZPW8WkakE4cu8g3a38sJVfkSGiEBt/3s6mVf/MlIQUVQY22e"
    "DHwMb+Hm+JVXAFjPrX9sU39AWNIDo4V531vObeefMfZbsvJw=="
)
