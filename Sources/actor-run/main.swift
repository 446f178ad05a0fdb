import ActorRunCLI

await ActorRunMain.main()
