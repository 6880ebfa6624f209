import Domain
import Foundation
import HTTPTypes
import Hummingbird
import PQ
import Store
import Synchronization

/// Requires `Authorization: Bearer <token>` and puts the token's user in the context.
/// An absent, unknown or revoked token is 401; nothing else is said about why.
///
/// Two kinds of token: this system's own (`mua_…`, for staff, services and accounts made by
/// an operator), and, when an identity provider is configured, the provider's signed tokens
/// for people (`IdentityProvider`): the person's portal account acts, or the one named by
/// `Muamala-Account` when the person holds several.
///
/// What a token stands for is remembered for up to `PrincipalCache.lifetime` (30 s), so a
/// busy portal does not pay a database round trip per request. A revoked token or a changed
/// grant is announced on commit and the cache emptied at once (see `PrincipalCache`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let pool: ConnectionPool
    let cache: PrincipalCache
    let identityProvider: IdentityProvider?

    static let accountField = HTTPField.Name("Muamala-Account")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasHeaderPrefix("bearer ") else {
            throw APIError(.unauthorized, .unauthenticated).withChallenge
        }
        let token = String(header.dropFirst(7).trimmingHeaderWhitespace)
        guard !token.isEmpty else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
        let pool = self.pool
        let principal: AccountStore.Principal?
        if IdentityProvider.looksLikeJWT(token) {
            guard token.utf8.count <= 8192 else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
            principal = try await person(token, account: request.headers[Self.accountField])
        } else {
            guard token.count <= 200 else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
            principal = try await cache.principal(for: AccountStore.cacheKey(for: token)) {
                try await pool.withConnection { connection in
                    try await connection.run { db in try AccountStore.authenticate(token: token, on: db) }
                }
            }
        }
        guard let principal else { throw APIError(.unauthorized, .unauthenticated).withChallenge }
        var context = context
        context.principal = principal
        // No logger metadata here: the context's logger is copied on write, and nothing
        // below this middleware logs (failures are logged by `ErrorMiddleware`, which sees
        // the context from before this one). Setting it cost 1.8% of the daemon's CPU at
        // 8,500 requests/s (BENCHMARKS.md) for log lines that were never written.
        return try await next(request, context)
    }
}

extension AuthenticationMiddleware {
    /// The portal account of the person an identity token signs in (remembered like a token
    /// of ours, under the token and the account asked for); a newcomer who may only register
    /// when he has none; nil when the token is not believed.
    func person(_ token: String, account header: String?) async throws -> AccountStore.Principal? {
        guard let identityProvider, !identityProvider.hasExpired(token) else { return nil }
        // The account asked for, in one spelling whatever its case (each spelling would be
        // remembered, and read, on its own); a header that names no account is judged after
        // the token, so that a bad token is always told as one.
        let account = header.map { UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }
        let spelled = account.map { $0?.uuidString ?? "?" } ?? ""
        let pool = self.pool
        return try await cache.principal(for: AccountStore.cacheKey(for: token + "\n" + spelled)) {
            guard case .success(let person) = await identityProvider.person(from: token) else { return nil }
            if case .some(.none) = account { throw APIError(.unauthorized, .accountUnknown).withChallenge }
            let chosen = account ?? nil
            let found = try await pool.withConnection { connection in
                try await connection.run { db in try AccountStore.accounts(ofPerson: person, account: chosen, on: db) }
            }
            // Disabled: as an unknown token (and never a newcomer who could register again).
            guard case .enabled(let accounts) = found else { return nil }
            if accounts.count > 1 { throw APIError(.unauthorized, .accountChoiceNeeded).withChallenge }
            if accounts.isEmpty && chosen != nil { throw APIError(.unauthorized, .accountUnknown).withChallenge }
            // Signed in but not registered: he may register (account.register) and ask who he is.
            return accounts.first ?? .newcomer(person)
        }
    }
}

extension APIError {
    /// With the `WWW-Authenticate` header a 401 should carry.
    var withChallenge: APIError {
        var error = self
        error.headers[.wwwAuthenticate] = "Bearer realm=\"muamala\""
        return error
    }
}

/// Principals by token hash, each for a short while: forgotten at once when grants or
/// tokens change (`AccountStore.changedChannel`, heard by the daemon's `QueueListener`: one
/// person's entries when the change names him, all of them otherwise),
/// and after `lifetime` in any case, should a notification be lost while it reconnects.
///
/// One lookup per token at a time: requests that find no entry while the token is being
/// read wait for that read instead of starting their own. Without this, a portal's first
/// second sent one query per request in flight, hundreds of them, queued for the same few
/// connections: a stall of a second or more at 8,000/s.
///
/// A remembered principal is read again before it expires: the first request after
/// `refreshAfter` reads the token while every other request goes on with the remembered
/// answer. Otherwise, every `lifetime`, all the requests of a busy portal (one token for
/// all of them) would wait for one read queued behind the pool's work.
public final class PrincipalCache: Sendable {
    static let limit = 50_000
    typealias Answer = Result<AccountStore.Principal?, any Error>

    /// How long an answer may be used at most.
    let lifetime: Duration
    /// How old an answer is when a request reads it again (while the others still use it).
    let refreshAfter: Duration

    private struct Entry {
        let principal: AccountStore.Principal
        let refreshAt: ContinuousClock.Instant
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Data: Entry] = [:]
        /// Tokens being read, with the requests waiting for the answer.
        var reading: [Data: [CheckedContinuation<Answer?, Never>]] = [:]
        /// Bumped by `removeAll`: a read that started before it may hold a revoked answer,
        /// so it answers its own waiters but is not remembered.
        var generation = 0
    }

    private let state = Mutex(State())
    /// The time; a test passes a clock of its own, so that an answer's age is not left to
    /// the scheduler of a busy machine.
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        lifetime: Duration = .seconds(30), refreshAfter: Duration = .seconds(20),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.lifetime = lifetime
        self.refreshAfter = min(refreshAfter, lifetime)
        self.now = now
    }

    /// Forgets what is remembered of one person (his tokens and accounts): his grants or the
    /// establishments he owns changed. Reads under way are not remembered either.
    public func forget(person: String) {
        state.withLock { state in
            state.entries = state.entries.filter { $0.value.principal.user.personID != person }
            state.generation += 1
        }
    }

    /// Forgets every principal: the next request of each token reads the database again.
    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll(keepingCapacity: true)
            state.generation += 1
        }
    }

    /// The principal for `key`: remembered, or read by `load` (once, however many ask at
    /// the same time). Nil for an unknown or revoked token, which is not remembered.
    func principal(for key: Data, load: @Sendable () async throws -> AccountStore.Principal?) async throws -> AccountStore.Principal? {
        while true {
            switch startLookup(key) {
            case .known(let principal):
                return principal
            case .wait:
                // Nil when the read ended before this request could queue for it: look again.
                if let answer = await answer(of: key) { return try answer.get() }
            case .read(let generation, let remembered):
                let answer: Answer
                do { answer = .success(try await load()) } catch { answer = .failure(error) }
                finishLookup(key, answer, startedIn: generation)
                // A failed new read leaves the remembered answer in use until it expires.
                if let remembered, case .failure(let error) = answer, !(error is CancellationError) { return remembered }
                return try answer.get()
            }
        }
    }

    /// The principal for `key` if it is remembered and not yet due to be read again; nil
    /// sends the caller to `principal(for:load:)`, which reads it.
    func remembered(_ key: Data) -> AccountStore.Principal? {
        let now = self.now()
        return state.withLock { state in
            guard let entry = state.entries[key], entry.refreshAt > now, entry.expires >= now else { return nil }
            return entry.principal
        }
    }

    /// How many requests wait for the read of `key` under way (nil when none is): for tests
    /// that hold a read until the others have queued behind it.
    func waiting(for key: Data) -> Int? {
        state.withLock { $0.reading[key]?.count }
    }

    /// `read`: this request reads the token; `remembered` is the answer in use meanwhile when
    /// the read is a new read of a remembered token (nil when there is none).
    private enum Lookup {
        case known(AccountStore.Principal)
        case read(generation: Int, remembered: AccountStore.Principal?)
        case wait
    }

    private func startLookup(_ key: Data) -> Lookup {
        let now = self.now()
        return state.withLock { state in
            if let entry = state.entries[key] {
                if entry.expires >= now {
                    guard entry.refreshAt <= now, state.reading[key] == nil else { return .known(entry.principal) }
                    state.reading[key] = []
                    return .read(generation: state.generation, remembered: entry.principal)
                }
                state.entries[key] = nil
            }
            if state.reading[key] != nil { return .wait }
            state.reading[key] = []
            return .read(generation: state.generation, remembered: nil)
        }
    }

    private func answer(of key: Data) async -> Answer? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Answer?, Never>) in
            let queued = state.withLock { state -> Bool in
                guard state.reading[key] != nil else { return false }
                state.reading[key]!.append(continuation)
                return true
            }
            if !queued { continuation.resume(returning: nil) }
        }
    }

    /// Remembers a found principal (unless `removeAll` ran meanwhile), forgets a token found
    /// unknown or revoked, and answers the waiters. A read that ended because its own
    /// request was cancelled answers nobody else: they look again, and one of them reads.
    private func finishLookup(_ key: Data, _ answer: Answer, startedIn generation: Int) {
        let now = self.now()
        let waiters = state.withLock { state -> [CheckedContinuation<Answer?, Never>] in
            switch answer {
            // A newcomer is not remembered: once he registers, his next request finds his account.
            case .success(let principal?) where state.generation == generation && principal.registered:
                if state.entries.count >= Self.limit { state.entries.removeAll(keepingCapacity: true) }
                state.entries[key] = Entry(principal: principal, refreshAt: now + refreshAfter, expires: now + lifetime)
            case .success(nil):
                state.entries[key] = nil
            default:
                break
            }
            return state.reading.removeValue(forKey: key) ?? []
        }
        var cancelled = false
        if case .failure(let error) = answer, error is CancellationError { cancelled = true }
        for waiter in waiters { waiter.resume(returning: cancelled ? nil : answer) }
    }
}
