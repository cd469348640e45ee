public import MediaCore

/// Why the portal cannot start or an account command failed, each with its exit code.
public enum PortalError: LessonLensError, Equatable {
    /// `serve` on a catalog without accounts: no default password, ever (issue 11).
    case noAccounts(catalog: String)
    /// `--listen` is not `HOST:PORT`.
    case badListen(String)
    /// The output folder does not exist.
    case noOutputFolder(String)
    /// An account argument is wrong (role without teacher id or school, empty password).
    case badAccount(String)
    /// `--identity-provider FILE` cannot be used (unreadable, malformed, unusable keys): the one-line reason.
    case badIdentityProvider(path: String, reason: String)

    public var exitCode: ExitCode {
        switch self {
        case .noAccounts, .badIdentityProvider: return .config
        case .badListen, .badAccount: return .usage
        case .noOutputFolder: return .inputMissing
        }
    }

    public var message: String {
        switch self {
        case .noAccounts(let c):
            return "no portal accounts in '\(c)': create one first with `lessonlens users add NAME --role teacher|school-admin|district-admin --catalog \(c)`"
        case .badListen(let s): return "--listen '\(s)': expected HOST:PORT, e.g. 127.0.0.1:8080"
        case .noOutputFolder(let s): return "no output folder at '\(s)': give the --out folder that `analyze` or `watch` wrote to"
        case .badAccount(let s): return s
        case .badIdentityProvider(let path, let reason): return "identity provider config '\(path)': \(reason)"
        }
    }
}
