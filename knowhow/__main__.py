from knowhow.cli import main

main()
