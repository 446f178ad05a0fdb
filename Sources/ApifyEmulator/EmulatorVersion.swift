/// The emulator's version, as `apify-emulator --version` prints it: the project's release.
public enum EmulatorVersion {
    public static let current = "0.1.0"
}
