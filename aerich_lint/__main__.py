from aerich_lint.cli import main

main()
