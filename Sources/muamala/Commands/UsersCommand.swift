import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala users`: portal accounts. People register, owners come from the commercial
/// registration, delegates and agents are granted: each of those is a request decided by the
/// engine (these subcommands submit them, as `muamala submit` does, and wait for the
/// decision). Only making an account directly — the first staff account, a service
/// account — and its tokens stay outside the engine.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Portal accounts: registrations, owners, delegates, agents; staff and service accounts and their tokens.",
        discussion: """
            People sign in with the national identity provider and register themselves \
            (account.register); an operator may register someone at a counter with `register`. \
            Owners are the people a commercial registration names (`owners`): a registered owner \
            acts for every establishment of the unified number. An owner grants delegates \
            (`delegate-grant --as OWNER_ACCOUNT`); agents act under a power of attorney \
            (`agent-authorize`). Each of these is a request with a decision, an event and a \
            bilingual reason when refused (exit 3 when refused before it is queued).

            `add` makes an account directly, with one fixed role: staff, system (other \
            government systems), or an account for a system acting as owner, delegate, agent \
            or worker.
            """,
        subcommands: [Register.self, Owners.self, DelegateGrant.self, DelegateRevoke.self, AgentAuthorize.self, AgentRevoke.self,
                      Add.self, List.self, Grant.self, Revoke.self, Token.self, Disable.self, Enable.self])

    // MARK: Requests

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register", abstract: "Register a person on the portal (account.register), as at a labor office's counter.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The person's national ID or iqama number.") var person: String
        @Option(help: "The name to show.") var name: String?
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func run() async throws {
            var payload: [String: JSONValue] = ["person_id": .string(person)]
            if let name { payload["name"] = .string(name) }
            try await Submit.send("account.register", payload, global: global, actor: actor, wait: wait)
        }
    }

    struct Owners: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "owners", abstract: "Record the owners an establishment's commercial registration names (establishment.update-owners).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The establishment (1-12345).") var establishment: String
        @Option(name: .customLong("owner"), help: "An owner's national ID or iqama; repeatable (the list replaces the old one).")
        var owners: [String] = []
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func validate() throws { if owners.isEmpty { throw ValidationError("give at least one --owner") } }

        func run() async throws {
            try await Submit.send("establishment.update-owners", ["establishment_id": .string(establishment), "owners": .array(owners.map(JSONValue.string))],
                                  global: global, actor: actor, wait: wait)
        }
    }

    struct DelegateGrant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delegate-grant", abstract: "An owner grants a registered person services on one establishment (account.delegate-grant).",
            discussion: "Only an owner grants: run it --as the owner's account (staff are refused). Granting again changes the grant.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The delegate's national ID or iqama.") var delegate: String
        @Option(help: "The establishment (1-12345).") var establishment: String
        @Option(help: "Service codes, comma-separated, or * for all a delegate may use.") var services = "*"
        @Option(help: "The grant's last day (YYYY-MM-DD); none: until revoked.") var endsOn: String?
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func run() async throws {
            var payload: [String: JSONValue] = ["delegate_id": .string(delegate), "establishment_id": .string(establishment),
                                                "services": .array(serviceList(services))]
            if let endsOn { payload["ends_on"] = .string(endsOn) }
            try await Submit.send("account.delegate-grant", payload, global: global, actor: actor, wait: wait)
        }
    }

    struct DelegateRevoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delegate-revoke", abstract: "An owner revokes a delegate's grant on one establishment (account.delegate-revoke).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The delegate's national ID or iqama.") var delegate: String
        @Option(help: "The establishment (1-12345).") var establishment: String
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func run() async throws {
            try await Submit.send("account.delegate-revoke", ["delegate_id": .string(delegate), "establishment_id": .string(establishment)],
                                  global: global, actor: actor, wait: wait)
        }
    }

    struct AgentAuthorize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent-authorize", abstract: "Record a registered person's power of attorney for one establishment (account.agent-authorize).",
            discussion: "It ends by itself on the day after --expires-on (a durable timer), or by agent-revoke.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The agent's national ID or iqama.") var agent: String
        @Option(help: "The establishment (1-12345).") var establishment: String
        @Option(help: "The power of attorney's number.") var poaNumber: String
        @Option(help: "Who issued it (a notary, a court).") var poaAuthority: String
        @Option(help: "Its last day (YYYY-MM-DD).") var expiresOn: String
        @Option(help: "Service codes it covers, comma-separated, or * for all.") var services = "*"
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func run() async throws {
            try await Submit.send("account.agent-authorize", [
                "agent_id": .string(agent), "establishment_id": .string(establishment), "services": .array(serviceList(services)),
                "poa_number": .string(poaNumber), "poa_authority": .string(poaAuthority), "expires_on": .string(expiresOn),
            ], global: global, actor: actor, wait: wait)
        }
    }

    struct AgentRevoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agent-revoke", abstract: "End an agent's power of attorney for one establishment before its expiry (account.agent-revoke).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The agent's national ID or iqama.") var agent: String
        @Option(help: "The establishment (1-12345).") var establishment: String
        @Option(help: "Seconds to wait for the decision.") var wait = 10

        func run() async throws {
            try await Submit.send("account.agent-revoke", ["agent_id": .string(agent), "establishment_id": .string(establishment)],
                                  global: global, actor: actor, wait: wait)
        }
    }

    // MARK: Accounts made directly

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create an account.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "staff, system, or (for a system acting so) owner, delegate, agent or worker.") var role: String
        @Option(help: "The account holder's name.") var name: String
        @Option(help: "National ID or iqama (required for workers).") var person: String?
        @Option(help: "Unified number (required for owners).") var unifiedNumber: String?
        @Flag(help: "Also issue a token and print it (shown once).") var token = false

        func validate() throws {
            guard let role = Actor.Role(rawValue: role), role != .person else {
                throw ValidationError("role is one of \(Actor.Role.allCases.filter { $0 != .person }.map(\.rawValue).joined(separator: ", ")) "
                                      + "(people register: `muamala users register`)")
            }
            if role == .owner && unifiedNumber == nil { throw ValidationError("an owner needs --unified-number") }
            if role == .worker && person == nil { throw ValidationError("a worker needs --person") }
            if role != .owner && unifiedNumber != nil { throw ValidationError("only an owner takes --unified-number") }
            if (role == .staff || role == .system) && person != nil {
                throw ValidationError("a \(role.rawValue) account is not a person's: leave out --person")
            }
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
            abstract: "Let an account an operator made (role delegate or agent) act for an establishment.",
            discussion: """
                For a system acting as delegate or agent. People's rights are requests: delegate-grant, \
                agent-authorize. Delegates get the services listed (or all with '*'); agents act on every \
                service of the establishment.
                """)
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
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove an operator-made account's grant, or every token of an account.",
            discussion: "People's grants and powers of attorney are revoked by requests: delegate-revoke, agent-revoke.")
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

/// `a,b` or `*` as the JSON list a service takes.
private func serviceList(_ text: String) -> [JSONValue] {
    text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }
}
