import ArgumentParser
import Foundation
import MediaCore
import Pipeline
import Portal
import UnixSignals

/// `lessonlens serve`: the teacher portal (issue 11).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the teacher portal: lessons, reports, trends, the school view and the JSON API.",
        discussion: """
            Needs at least one account (`lessonlens users add`); without one it exits 78. A teacher sees her own \
            lessons (by the timetable's teacher id), a school administrator her school's, a district administrator \
            all. SIGTERM or SIGINT stops it. The catalog is the SQLite file `analyze` and `watch` write, or the \
            PostgreSQL catalog (postgres://…) the workers share.
            """)

    @Option(name: .long, help: portalCatalogHelp)
    var catalog: String = "./lessonlens-out/catalog.sqlite"
    @Option(name: .long, help: ArgumentHelp("The output folder holding the report folders; nothing outside it is served.", valueName: "DIR"))
    var out: String = "./lessonlens-out"
    @Option(name: .long, help: ArgumentHelp("Address and port to listen on.", valueName: "HOST:PORT"))
    var listen: String = "127.0.0.1:8080"
    @Flag(name: .long, help: "Mark the session cookie Secure (the portal is behind TLS).")
    var secureCookies = false
    @Flag(name: .long, help: "Print one line per request to stdout (address, method, path, status, range).")
    var accessLog = false
    @Option(name: .long, help: ArgumentHelp(
        "Also sign in with the district identity provider's signed JWT (issuer, audience, key set, teacher-id claim: docs/examples/identity-provider.json).",
        valueName: "FILE"))
    var identityProvider: String?

    func run() async throws {
        try await runReportingErrors {
            let (host, port) = try PortalConfiguration.parseListen(listen)
            var loaded: (any SignInMethod)?
            if let identityProvider { loaded = try await IdentityProviderSignIn.load(configFile: identityProvider) }
            let signIn = loaded
            try await withPortalCatalog(catalog, create: false) { opened in
                var config = PortalConfiguration(catalog: opened.portal, outputFolder: out, host: host, port: port,
                                                 secureCookies: secureCookies, signIn: signIn)
                if accessLog { config.accessLog = Self.printLine }
                config.timetable = CatalogTimetableAdministration(catalog: opened)
                let portal: RunningPortal = try await PortalServer.start(config)
                let shownHost = host.contains(":") ? "[\(host)]" : host
                Self.printLine("serving http://\(shownHost):\(portal.port)/ (catalog \(opened.description), reports under \(out))")
                let signals = Task {
                    for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                        await portal.stop()
                        return
                    }
                }
                defer { signals.cancel() }
                try await portal.wait()
            }
        }
    }
}

/// The portal's timetable pages run what `lessonlens timetable import|attribute|assign` runs.
/// On the catalog the portal serves (either backend).
struct CatalogTimetableAdministration: TimetableAdministration {
    let catalog: PortalCatalogHandle

    func importTimetable(csv: String, school: String?) async throws -> [String] {
        let lines: [String]
        do { lines = try await Timetable.importText(csv, into: catalog, onlySchool: school) } catch TimetableError.invalid(_, let errors) {
            throw TimetableRefusal(errors)
        }
        let n = try await catalog.attributeAll()
        return lines + ["lessons: \(n.timetable) matched to the timetable, \(n.plan) from plans, \(n.manual) assigned, \(n.unmatched) unmatched"]
    }

    func assign(jobID: Int64, teacherID: String) async throws -> String {
        try await catalog.assign(jobID: jobID, teacherID: teacherID)
    }
}

extension ServeCommand {
    /// One line to stdout, unbuffered (a supervisor or test reads the log while the server runs).
    @Sendable static func printLine(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }
}

/// `lessonlens users add|list`: the portal's local accounts.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Add and list portal accounts.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account (or update it); the password is read from stdin or --password-file, never the command line.")
        @Argument(help: ArgumentHelp("The user name.", valueName: "NAME")) var name: String
        @Option(name: .long, help: ArgumentHelp("teacher, school-admin or district-admin.", valueName: "ROLE")) var role: String
        @Option(name: .long, help: ArgumentHelp("The timetable's teacher id (teacher accounts).", valueName: "ID")) var teacherID: String?
        @Option(name: .long, help: ArgumentHelp("The school (school-admin accounts).", valueName: "S")) var school: String?
        @Option(name: .long, help: ArgumentHelp("Read the password from the first line of this file.", valueName: "FILE")) var passwordFile: String?
        @Option(name: .long, help: portalCatalogHelp)
        var catalog: String = "./lessonlens-out/catalog.sqlite"

        func validate() throws {
            guard PortalAccounts.roleNames.contains(role) else {
                throw ValidationError("--role '\(role)': expected one of \(PortalAccounts.roleNames.joined(separator: ", "))")
            }
        }

        func run() async throws {
            try await runReportingErrors {
                let text: String
                if let passwordFile {
                    guard let data = FileManager.default.contents(atPath: passwordFile), let s = String(data: data, encoding: .utf8) else {
                        throw SimpleError(.inputMissing, "cannot read the password file '\(passwordFile)'")
                    }
                    text = s
                } else {
                    text = readLine(strippingNewline: false) ?? ""
                }
                let password = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
                // Checked before the catalog is opened (a refused account creates no catalog file, opens no connection).
                try PortalAccounts.check(name: name, role: role, password: password, teacherID: teacherID, school: school)
                print(try await withPortalCatalog(catalog, create: true) { opened in
                    try await PortalAccounts.add(in: opened.portal, name: name, role: role, password: password, teacherID: teacherID, school: school)
                })
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts (NAME, ROLE, TEACHER ID, SCHOOL).")
        @Option(name: .long, help: portalCatalogHelp)
        var catalog: String = "./lessonlens-out/catalog.sqlite"

        func run() async throws {
            try await runReportingErrors {
                for line in try await withPortalCatalog(catalog, create: false, { try await PortalAccounts.list(in: $0.portal) }) { print(line) }
            }
        }
    }
}
