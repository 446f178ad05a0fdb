import Foundation

/// A child process started with `posix_spawn`, its standard streams on pipes.
///
/// Not Foundation's `Process`: on Linux its `run()` adds a close action for every descriptor up to the highest one
/// open, found by reading `/proc/self/fd`, and it crashed there (a bad read in `memcpy`) once this test process
/// held about 1 400 descriptors from the many emulators and children the suites run side by side. Here every
/// descriptor above stderr is closed in the child with one action (`closefrom`), and nothing else is shared.
final class Spawned: @unchecked Sendable {
    let pid: pid_t
    /// The parent's ends: the child's stdin (nil when it reads /dev/null), stdout and stderr.
    let stdin: FileHandle?
    let stdout: FileHandle
    let stderr: FileHandle
    private let exited = NSLock()
    private var status: Int32?

    /// - Parameter pipesStdin: a pipe on the child's stdin (to write to, or to leave open and silent), else
    ///   /dev/null.
    init(
        executable: String, arguments: [String], environment: [String: String], directory: String?,
        pipesStdin: Bool
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Foundation's Process gives it: a signal to the test's group does not reach it.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let input = pipesStdin ? try Self.pipe() : nil
        let output = try Self.pipe()
        let errors = try Self.pipe()
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        if let directory {
            guard Self.addChdir(&actions, directory) == 0 else {
                throw HarnessError(message: "cannot set the child's working directory")
            }
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else {
            throw HarnessError(message: "posix_spawn_file_actions_addclosefrom_np failed")
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        for end in [input?.read, output.write, errors.write].compactMap({ $0 }) { close(end) }
        guard result == 0 else {
            [input?.write, output.read, errors.read].compactMap { $0 }.forEach { close($0) }
            throw HarnessError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        stdin = input.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
        stdout = FileHandle(fileDescriptor: output.read, closeOnDealloc: true)
        stderr = FileHandle(fileDescriptor: errors.read, closeOnDealloc: true)
    }

    /// Whether the child has not been reaped yet.
    var isRunning: Bool {
        exited.lock()
        defer { exited.unlock() }
        return status == nil
    }

    /// Waits for the child to end: its exit code, or the number of the signal that ended it (as `Process` says).
    @discardableResult
    func wait() -> Int32 {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : raw & 0x7f
        exited.lock()
        status = code
        exited.unlock()
        return code
    }

    /// A pipe whose ends other children do not inherit (the child gets its own ends by `dup2`, which clears it).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else {
            throw HarnessError(message: "pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    // glibc has both (2.29 and 2.34), but Swift's Glibc module does not declare them.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Chdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom = unsafeBitCast(
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"), to: CloseFrom.self)
    private static let addChdir = unsafeBitCast(
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np"), to: Chdir.self)
}
