/// The long help: examples, where the token comes from, and the exit-code table, as a man page would have.
enum HelpText {
    static let version = "0.1.0"

    static var discussion: String {
        """
        Starts a run of the actor on the Apify platform, prints the run ID and its status changes on stderr, \
        waits until it ends, and writes the run's OUTPUT record to stdout, byte for byte. stdout carries only \
        that record; everything for people goes to stderr.

        COMMANDS
          actor-run [run] <actor>       start the actor, wait, print its OUTPUT
          actor-run task <task>         the same for a saved task
          actor-run resurrect <run-id>  run an ended run again, wait, print
          actor-run wait <run-id>       attach to a run: wait, print its output
          actor-run output <run-id>     print a run's output (no waiting)
          actor-run log <run-id>        print (or --follow) a run's log
          actor-run abort <run-id>      abort a run (gracefully unless --force)

        EXAMPLES
          actor-run apify/hello-world --memory 1024
          echo '{"message": "Ada"}' | actor-run apify/hello-world > output.json
          actor-run apify/hello-world -i @input.json -o output.json --wait 10m
          actor-run user~my-actor --build 1.2.34 --timeout 0 -i @input.json
          run=$(actor-run user/slow-actor --detach) && actor-run wait "$run" --wait 2h

        INPUT
          With no input flag, a stdin that is not a terminal is read as the input. JSON input is checked \
        before anything is sent; inputs over 9 MiB are refused.

        TOKEN
          First found: --token-file PATH, the APIFY_TOKEN environment variable, the token field of \
        ~/.apify/auth.json (as written by `apify login`). It is sent only in the Authorization header.
          API base URL: --api-url, else APIFY_API_BASE_URL, else https://api.apify.com. Try it offline \
        against the bundled emulator: `apify-emulator --port 0` prints the URL to use.

        EXIT STATUS
        \(ExitStatus.table)
        """
    }
}
