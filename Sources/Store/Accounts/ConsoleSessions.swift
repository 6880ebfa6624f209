import Crypto
import Foundation
import PQ

/// Sessions of the staff console: a random id in a cookie, kept here only as its SHA-256,
/// bound to the bearer token it was opened with (its revocation, or the account's being
/// disabled, ends the session) and to a CSRF token that every state-changing form carries.
public enum ConsoleSessions {
    public struct Opened: Sendable {
        /// The cookie's value: returned once, stored only hashed.
        public let id: String
        public let csrf: String
        public let expiresAt: Date
        /// The staff account signed in.
        public let user: UUID
    }

    public struct Session: Sendable {
        public let principal: AccountStore.Principal
        public let csrf: String
        public let expiresAt: Date
    }

    /// Opens a session for the staff account behind `token`, for `lifetime` seconds; nil when
    /// the token is unknown, revoked, disabled or not staff. Expired sessions are deleted.
    public static func open(token: String, lifetime: TimeInterval, on db: isolated Connection) throws -> Opened? {
        guard let principal = try AccountStore.authenticate(token: token, on: db), principal.user.role == .staff else { return nil }
        try db.query(deleteExpired, [])
        let id = AccountStore.randomSecret(), csrf = AccountStore.randomSecret()
        let row = try db.query(insert, [Data(AccountStore.tokenHash(id)), Data(AccountStore.tokenHash(token)), csrf, lifetime]).single()
        return Opened(id: id, csrf: csrf, expiresAt: try row.decode(Date.self, "expires_at"), user: principal.user.id)
    }

    /// The session behind a cookie's value: nil when unknown, expired, or its token revoked
    /// or account disabled.
    public static func find(_ id: String, on db: isolated Connection) throws -> Session? {
        guard let row = try db.query(findStatement, [Data(AccountStore.tokenHash(id))]).first else { return nil }
        return Session(principal: try AccountStore.principal(from: row), csrf: try row.decode(String.self, "csrf"),
                       expiresAt: try row.decode(Date.self, "expires_at"))
    }

    /// Ends a session (sign-out); whether there was one.
    @discardableResult
    public static func close(_ id: String, on db: isolated Connection) throws -> Bool {
        try db.query(delete, [Data(AccountStore.tokenHash(id))]).affectedRows > 0
    }

    static let insert = Statement("console_sessions_insert", """
        INSERT INTO console_sessions (hash, token_hash, csrf, expires_at)
        VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4::float8))
        RETURNING expires_at
        """)
    /// The session's account, as a bearer token would give it (`AccountStore.principalColumns`).
    static let findStatement = Statement("console_sessions_find", """
        SELECT \(AccountStore.principalColumns), s.csrf, s.expires_at
        FROM console_sessions s JOIN tokens t ON t.hash = s.token_hash JOIN users u ON u.id = t.user_id
        WHERE s.hash = $1 AND s.expires_at > clock_timestamp() AND t.revoked_at IS NULL AND u.disabled_at IS NULL
        """)
    static let delete = Statement("console_sessions_delete", "DELETE FROM console_sessions WHERE hash = $1")
    static let deleteExpired = Statement("console_sessions_delete_expired", """
        DELETE FROM console_sessions WHERE expires_at <= clock_timestamp()
        """)
}
