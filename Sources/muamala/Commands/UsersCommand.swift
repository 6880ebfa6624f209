import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala users add|list|grant|revoke|token|disable|enable`.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage portal accounts, their grants and their bearer tokens.",
        discussion: """
            Roles: owner (every establishment of a unified number), delegate (services granted \
            per establishment), agent (establishments named in a power of attorney), worker \
            (only about himself), staff, system (other government systems).
            """,
        subcommands: [Add.self, List.self, Grant.self, Revoke.self, Token.self, Disable.self, Enable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create an account.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "owner, delegate, agent, worker, staff or system.") var role: String
        @Option(help: "The account holder's name.") var name: String
        @Option(help: "National ID or iqama (required for workers).") var person: String?
        @Option(help: "Unified number (required for owners).") var unifiedNumber: String?
        @Flag(help: "Also issue a token and print it (shown once).") var token = false

        func validate() throws {
            guard let role = Actor.Role(rawValue: role) else {
                throw ValidationError("role is one of \(Actor.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if role == .owner && unifiedNumber == nil { throw ValidationError("an owner needs --unified-number") }
            if role == .worker && person == nil { throw ValidationError("a worker needs --person") }
        }

        func run() async throws {
            let role = Actor.Role(rawValue: role)!
            var personID: PersonID?
            if let person {
                do { personID = try PersonID(person) } catch { throw ValidationError("--person: \(error.english)") }
            }
            var company: UnifiedNumber?
            if let unifiedNumber {
                do { company = try UnifiedNumber(unifiedNumber) } catch { throw ValidationError("--unified-number: \(error.english)") }
            }
            let chosenPerson = personID, chosenCompany = company
            let connection = try await global.connect()
            let name = self.name
            let wantsToken = token
            let (user, issued) = try await connection.withTransaction { db in
                let user = try AccountStore.addUser(name: name, role: role, personID: chosenPerson, unifiedNumber: chosenCompany, on: db)
                let issued = wantsToken ? try AccountStore.issueToken(for: user.id, label: "created with the account", on: db) : nil
                return (user, issued)
            }
            if global.json {
                struct Created: Encodable { let user: AccountStore.User; let token: String? }
                try printJSON(Created(user: user, token: issued))
            } else {
                print("user  \(user.id.uuidString.lowercased())  \(user.role.rawValue)  \(user.name)")
                if let issued { print("token \(issued)\n      (shown once; store it now)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List accounts.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let connection = try await global.connect()
            let users = try await connection.run { db in try AccountStore.users(on: db) }
            if global.json { return try printJSON(users) }
            printTable(["ID", "ROLE", "NAME", "PERSON", "UNIFIED", "DISABLED"], users.map {
                [$0.id.uuidString.lowercased(), $0.role.rawValue, $0.name, $0.personID ?? "", $0.unifiedNumber ?? "", $0.disabled ? "yes" : ""]
            })
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant",
            abstract: "Let a delegate or agent act for an establishment.",
            discussion: "Delegates get the services listed (or all with '*'); agents act on every service of the establishment.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id.") var user: String
        @Option(help: "The establishment (1-12345).") var establishment: String
        @Option(help: "Service codes, comma-separated, or * for all.") var services = "*"

        func run() async throws {
            guard let id = UUID(uuidString: user) else { throw ValidationError("not a user id: \(user)") }
            let establishmentID: EstablishmentID
            do { establishmentID = try EstablishmentID(establishment) } catch { throw ValidationError("--establishment: \(error.english)") }
            let list = services.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for code in list where code != "*" && ServiceCatalog.service(code) == nil {
                throw ValidationError("unknown service \(code) (see `muamala services`)")
            }
            let connection = try await global.connect()
            let granted: [String] = try await connection.withTransaction { db in
                guard let user = try AccountStore.user(id, on: db) else { throw ValidationError("no user \(id)") }
                guard user.role == .delegate || user.role == .agent else {
                    throw ValidationError("grants are for delegates and agents; this user is \(user.role.rawValue)")
                }
                let granted = user.role == .agent ? ["*"] : list
                try AccountStore.grant(id, establishment: establishmentID, services: granted, on: db)
                return granted
            }
            if global.json {
                struct Granted: Encodable { let user: String; let establishment_id: String; let services: [String] }
                try printJSON(Granted(user: user, establishment_id: establishmentID.description, services: granted))
            } else {
                print("granted \(granted.joined(separator: ",")) on \(establishmentID) to \(user)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a grant, or every token of a user.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id.") var user: String
        @Option(help: "The establishment whose grant to remove.") var establishment: String?
        @Flag(help: "Revoke all of the user's tokens instead.") var tokens = false

        func run() async throws {
            guard let id = UUID(uuidString: user) else { throw ValidationError("not a user id: \(user)") }
            let connection = try await global.connect()
            if tokens {
                let count = try await connection.run { db in try AccountStore.revokeTokens(of: id, on: db) }
                if global.json { try printJSON(["revoked_tokens": count]) } else { print("revoked \(count) token(s)") }
                return
            }
            guard let establishment else { throw ValidationError("give --establishment, or --tokens") }
            let establishmentID: EstablishmentID
            do { establishmentID = try EstablishmentID(establishment) } catch { throw ValidationError("--establishment: \(error.english)") }
            let removed = try await connection.run { db in try AccountStore.revoke(id, establishment: establishmentID, on: db) }
            if global.json {
                struct Revoked: Encodable { let establishment_id: String; let revoked: Bool }
                try printJSON(Revoked(establishment_id: establishmentID.description, revoked: removed))
            } else {
                print(removed ? "revoked the grant on \(establishmentID)" : "there was no grant on \(establishmentID)")
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "token", abstract: "Issue a new bearer token (printed once, stored hashed).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id.") var user: String
        @Option(help: "A label to recognise the token by.") var label = ""

        func run() async throws {
            guard let id = UUID(uuidString: user) else { throw ValidationError("not a user id: \(user)") }
            let connection = try await global.connect()
            let label = self.label
            let token = try await connection.withTransaction { db in
                guard try AccountStore.user(id, on: db) != nil else { throw ValidationError("no user \(id)") }
                return try AccountStore.issueToken(for: id, label: label, on: db)
            }
            if global.json { try printJSON(["token": token]) } else { print(token) }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Disable an account: its tokens stop working on every daemon at once.",
            discussion: "Its grants and tokens are kept; `muamala users enable` brings them back.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id.") var user: String

        func run() async throws { try await setDisabled(user, true, global) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled account again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user id.") var user: String

        func run() async throws { try await setDisabled(user, false, global) }
    }
}

private func setDisabled(_ user: String, _ disabled: Bool, _ global: GlobalOptions) async throws {
    guard let id = UUID(uuidString: user) else { throw ValidationError("not a user id: \(user)") }
    let connection = try await global.connect()
    let change = try await connection.run { db in try AccountStore.setDisabled(id, disabled, on: db) }
    let state = disabled ? "disabled" : "enabled"
    switch change {
    case .noSuchUser:
        throw ValidationError("no user \(id)")
    case .conflict:
        throw ValidationError("cannot enable \(id): the same person already has an active account with this role")
    case .changed, .unchanged:
        if global.json {
            struct Result: Encodable { let user: String; let disabled: Bool; let changed: Bool }
            try printJSON(Result(user: id.uuidString.lowercased(), disabled: disabled, changed: change == .changed))
        } else {
            print(change == .changed ? "\(state) \(id.uuidString.lowercased())" : "\(id.uuidString.lowercased()) was already \(state)")
        }
    }
}
