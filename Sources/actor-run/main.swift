import ActorRunCLI
import CProcessSetup

// The C constructor has already run; naming it keeps its object file in the link.
precondition(ar_process_setup_done() == 1, "process set-up did not run")
ActorRunMain.main()
