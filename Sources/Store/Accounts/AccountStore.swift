import Crypto
import Domain
import Foundation
import PQ

/// Portal accounts, what they may act on, and their bearer tokens.
public enum AccountStore {
    public struct User: Sendable, Encodable, Equatable {
        public let id: UUID
        public let personID: String?
        public let name: String
        public let role: Actor.Role
        public let unifiedNumber: String?
        public let disabled: Bool

        enum CodingKeys: String, CodingKey {
            case id, personID = "person_id", name, role, unifiedNumber = "unified_number", disabled
        }

        public var actor: Actor { Actor(id: actorID ?? id.lowercasedText, role: role) }
        /// For operators acting from the CLI: `cli:<name>` instead of a user id; for a
        /// registered person, `person:<id>`.
        let actorID: String?

        /// An operator at the CLI, acting as staff without a portal account.
        public static func cliOperator(_ name: String) -> User {
            User(id: UUID(), personID: nil, name: name, role: .staff, unifiedNumber: nil, disabled: false, actorID: "cli:\(name)")
        }

        init(id: UUID, personID: String?, name: String, role: Actor.Role, unifiedNumber: String?, disabled: Bool, actorID: String?) {
            self.id = id
            self.personID = personID
            self.name = name
            self.role = role
            self.unifiedNumber = unifiedNumber
            self.disabled = disabled
            self.actorID = actorID
        }

        init(row: Row) throws {
            id = try row.decode(UUID.self, "id")
            personID = try row.decode(String?.self, "person_id")
            name = try row.decode(String.self, "name")
            let roleText = try row.decode(String.self, "role")
            guard let role = Actor.Role(rawValue: roleText) else {
                throw PQError(.decoding, "unknown role \(roleText)", column: "role")
            }
            self.role = role
            unifiedNumber = try row.decode(String?.self, "unified_number")
            disabled = try row.decode(Bool.self, "disabled")
            // A registered person acts as `person:<id>`, as he did before registering: a
            // registration retried with its idempotency key finds the first one.
            actorID = role == .person ? personID.map { "person:\($0)" } : nil
        }
    }

    /// A delegate's or agent's rights on one establishment (`*` means every service).
    public struct Grant: Sendable, Codable, Equatable {
        public let establishmentID: String
        public let services: [String]
        /// The role it lets its holder act in: delegate or agent (for an account an operator
        /// made, the account's own role).
        public let role: Actor.Role

        public init(establishmentID: String, services: [String], role: Actor.Role) {
            self.establishmentID = establishmentID
            self.services = services
            self.role = role
        }

        enum CodingKeys: String, CodingKey { case establishmentID = "establishment_id", services, role }

        public func allows(_ service: String) -> Bool { services.contains("*") || services.contains(service) }
    }

    /// A user with the grants that bind them.
    public struct Principal: Sendable {
        public let user: User
        public let grants: [Grant]
        /// The unified numbers whose establishments the user acts for as owner: an owner
        /// account's own; for a registered person, those of every establishment whose
        /// commercial registration names him.
        public let companies: [String]
        /// False for a person signed in by the identity provider who has not registered yet:
        /// he may register, and nothing else.
        public let registered: Bool

        public init(user: User, grants: [Grant], companies: [String]? = nil, registered: Bool = true) {
            self.user = user
            self.grants = grants
            self.companies = companies ?? (user.role == .owner ? user.unifiedNumber.map { [$0] } ?? [] : [])
            self.registered = registered
        }

        /// A person the identity provider vouches for, with no portal account yet.
        public static func newcomer(_ person: PersonID) -> Principal {
            Principal(user: User(id: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), personID: person.digits, name: "", role: .person, unifiedNumber: nil,
                                 disabled: false, actorID: "person:\(person.digits)"),
                      grants: [], companies: [], registered: false)
        }
    }

    /// A user with their grants, by id (for the CLI's `--as`).
    public static func principal(_ id: UUID, on db: isolated Connection) throws -> Principal? {
        try db.query(principalByID, [id]).first.map(principal(from:))
    }

    public static func addUser(name: String, role: Actor.Role, personID: PersonID?, unifiedNumber: UnifiedNumber?, on db: isolated Connection) throws -> User {
        let row = try db.query(insertUser, [UUID(), personID?.digits, name, role.rawValue, unifiedNumber?.digits]).single()
        return try User(row: row)
    }

    public static func user(_ id: UUID, on db: isolated Connection) throws -> User? {
        try db.query(findUser, [id]).first.map(User.init(row:))
    }

    public static func users(on db: isolated Connection) throws -> [User] {
        try db.query(listUsers).map(User.init(row:))
    }

    public static func grants(of user: UUID, on db: isolated Connection) throws -> [Grant] {
        try principal(user, on: db)?.grants ?? []
    }

    /// Daemons cache what a token authenticates to. Every change to grants, tokens or accounts
    /// is announced on this channel when it commits, by the database's triggers
    /// (`Schema/0012_account_changes_announce.sql`), so that they forget it at once instead of
    /// after the cache's lifetime.
    public static let changedChannel = "muamala_accounts"

    /// Whose rights a notification on `changedChannel` changed: one person's (`person:<id>`,
    /// his grants or the establishments he owns), or anyone's (an empty payload: tokens,
    /// accounts, operators' grants, a company's establishments).
    public enum Announcement: Sendable, Equatable {
        case everyone
        case person(String)

        public init(payload: String) {
            self = payload.hasPrefix("person:") ? .person(String(payload.dropFirst(7))) : .everyone
        }
    }

    /// Grants (or replaces) a delegate's or agent's services on an establishment.
    public static func grant(_ user: UUID, establishment: EstablishmentID, services: [String], on db: isolated Connection) throws {
        try db.query(upsertGrant, [user, establishment.description, services])
    }

    /// Removes a grant; returns whether there was one.
    public static func revoke(_ user: UUID, establishment: EstablishmentID, on db: isolated Connection) throws -> Bool {
        try db.query(deleteGrant, [user, establishment.description]).affectedRows > 0
    }

    /// What disabling or enabling an account found.
    public enum AccountChange: Sendable, Equatable {
        case changed
        case unchanged
        case noSuchUser
        /// Enabling would give the person a second active account with this role.
        case conflict
    }

    /// Disables an account (its tokens stop working at once, its grants stay for when it is
    /// enabled again) or enables it.
    public static func setDisabled(_ user: UUID, _ disabled: Bool, on db: isolated Connection) throws -> AccountChange {
        do {
            if try db.query(setUserDisabled, [user, disabled]).affectedRows > 0 { return .changed }
        } catch let error as PQError where error.sqlState == .uniqueViolation {
            return .conflict
        }
        // Nothing changed: already so, or no such account.
        return try self.user(user, on: db) == nil ? .noSuchUser : .unchanged
    }

    /// Makes a new bearer token: returned once, stored only as its SHA-256.
    public static func issueToken(for user: UUID, label: String, on db: isolated Connection) throws -> String {
        let token = "mua_" + randomSecret()
        try db.query(insertToken, [Data(tokenHash(token)), user, label])
        return token
    }

    /// 32 bytes from the system's CSPRNG, base64url without padding: a token's body, a
    /// console session's id, a CSRF token.
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Revokes every token of a user; returns how many.
    public static func revokeTokens(of user: UUID, on db: isolated Connection) throws -> Int {
        try db.query(revokeUserTokens, [user]).affectedRows
    }

    /// The user behind a bearer token (nil when unknown, revoked or disabled), with grants.
    public static func authenticate(token: String, on db: isolated Connection) throws -> Principal? {
        try db.query(authenticateStatement, [Data(tokenHash(token))]).first.map(principal(from:))
    }

    /// A principal from a row of `principalColumns`: the user's columns, the grants an
    /// operator made (`grant_establishments`, `grant_services`), and for a registered person
    /// his active grants and powers of attorney (`authorization_keys`: kind and establishment;
    /// `authorization_services`) and the companies he owns (`owned_companies`).
    static func principal(from row: Row) throws -> Principal {
        let user = try User(row: row)
        let establishments = try row.decode([String]?.self, "grant_establishments") ?? []
        let services = try row.decode([String]?.self, "grant_services") ?? []
        var grants = zip(establishments, services).map { establishment, list in
            Grant(establishmentID: establishment, services: list.split(separator: ",").map(String.init), role: user.role)
        }
        let keys = try row.decode([String]?.self, "authorization_keys") ?? []
        let granted = try row.decode([String]?.self, "authorization_services") ?? []
        for (key, list) in zip(keys, granted) {
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Authorization.Kind(rawValue: parts[0]) else { continue }
            grants.append(Grant(establishmentID: parts[1], services: list.split(separator: ",").map(String.init), role: kind.role))
        }
        let companies = user.role == .person ? try row.decode([String]?.self, "owned_companies") ?? [] : nil
        return Principal(user: user, grants: grants, companies: companies)
    }

    /// The portal accounts of a person signed in by the identity provider (never staff or
    /// system: those sign in with this system's tokens), oldest first; `account` narrows to
    /// one of them.
    public enum PersonAccounts: Sendable {
        /// His enabled accounts (none: he has never had one, and may register).
        case enabled([Principal])
        /// Every account he has (of those asked for) is disabled: he may not act, nor register.
        case disabled
    }

    public static func accounts(ofPerson person: PersonID, account: UUID? = nil, on db: isolated Connection) throws -> PersonAccounts {
        let all = try db.query(personAccounts, [person.digits, account]).map(principal(from:))
        let enabled = all.filter { !$0.user.disabled }
        return !all.isEmpty && enabled.isEmpty ? .disabled : .enabled(enabled)
    }

    static func tokenHash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    /// A key for caching what a token authenticates to, without keeping the token itself.
    public static func cacheKey(for token: String) -> Data { Data(tokenHash(token)) }

    // MARK: SQL

    // Every statement that returns users names the columns `User(row:)` reads: id, person_id,
    // name, role, unified_number, and disabled; keep the three lists alike.

    static let insertUser = Statement("accounts_insert_user", """
        INSERT INTO users (id, person_id, name, role, unified_number) VALUES ($1, $2, $3, $4, $5)
        RETURNING id, person_id, name, role, unified_number, disabled_at IS NOT NULL AS disabled
        """)
    static let findUser = Statement("accounts_find_user", """
        SELECT id, person_id, name, role, unified_number, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1
        """)
    static let listUsers = Statement("accounts_list_users", """
        SELECT id, person_id, name, role, unified_number, disabled_at IS NOT NULL AS disabled FROM users ORDER BY created_at
        """)
    static let upsertGrant = Statement("accounts_upsert_grant", """
        INSERT INTO grants (user_id, establishment_id, services) VALUES ($1, $2, $3::text[])
        ON CONFLICT (user_id, establishment_id) DO UPDATE SET services = excluded.services, granted_at = clock_timestamp()
        """)
    static let deleteGrant = Statement("accounts_delete_grant", "DELETE FROM grants WHERE user_id = $1 AND establishment_id = $2")
    /// Changes only an account not already so ($2: disable).
    static let setUserDisabled = Statement("accounts_set_disabled", """
        UPDATE users SET disabled_at = CASE WHEN $2::boolean THEN clock_timestamp() END
        WHERE id = $1 AND (disabled_at IS NOT NULL) <> $2::boolean
        """)
    static let insertToken = Statement("accounts_insert_token", "INSERT INTO tokens (hash, user_id, label) VALUES ($1, $2, $3)")
    static let revokeUserTokens = Statement("accounts_revoke_tokens", """
        UPDATE tokens SET revoked_at = clock_timestamp() WHERE user_id = $1 AND revoked_at IS NULL
        """)
    /// A grant or power of attorney whose last day has passed is not honoured, even before its
    /// timer marks it expired (a daemon down or behind): its last day against the engine's
    /// day in Riyadh, simulated or not.
    static let withinLastDay = """
        (a.ends_on IS NULL OR a.ends_on >= (SELECT ((CASE WHEN c.mode = 'simulated' THEN c.simulated_now ELSE now() END) AT TIME ZONE 'Asia/Riyadh')::date FROM clock c))
        """
    /// One round trip: the user and their grants (services joined by commas per establishment).
    static let principalColumns = """
        u.id, u.person_id, u.name, u.role, u.unified_number, u.disabled_at IS NOT NULL AS disabled,
        (SELECT array_agg(g.establishment_id ORDER BY g.establishment_id) FROM grants g WHERE g.user_id = u.id) AS grant_establishments,
        (SELECT array_agg(array_to_string(g.services, ',') ORDER BY g.establishment_id) FROM grants g WHERE g.user_id = u.id) AS grant_services,
        (SELECT array_agg(a.kind || ' ' || a.establishment_id ORDER BY a.establishment_id, a.kind) FROM authorizations a
         WHERE u.role = 'person' AND a.person_id = u.person_id AND a.state = 'active' AND \(withinLastDay)) AS authorization_keys,
        (SELECT array_agg(array_to_string(a.services, ',') ORDER BY a.establishment_id, a.kind) FROM authorizations a
         WHERE u.role = 'person' AND a.person_id = u.person_id AND a.state = 'active' AND \(withinLastDay)) AS authorization_services,
        (SELECT array_agg(DISTINCT e.unified_number) FROM establishment_owners o JOIN establishments e ON e.id = o.establishment_id
         WHERE u.role = 'person' AND o.person_id = u.person_id) AS owned_companies
        """
    static let principalByID = Statement("accounts_principal_by_id", """
        SELECT \(principalColumns) FROM users u WHERE u.id = $1 AND u.disabled_at IS NULL
        """)
    static let authenticateStatement = Statement("accounts_authenticate", """
        SELECT \(principalColumns)
        FROM tokens t JOIN users u ON u.id = t.user_id
        WHERE t.hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL
        """)
    static let personAccounts = Statement("accounts_of_person", """
        SELECT \(principalColumns)
        FROM users u
        WHERE u.person_id = $1 AND u.role NOT IN ('staff', 'system') AND ($2::uuid IS NULL OR u.id = $2)
        ORDER BY u.created_at, u.id LIMIT 20
        """)
}
