import Domain
import Engine
import Foundation
import JWTKit
import Logging
import ServiceLifecycle
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The national identity provider's signed tokens (OpenID Connect ID or access tokens, JWT):
/// a portal signs a person in there and calls this API with the person's token. What is
/// checked, before anything is believed:
///
/// - the algorithm is RS256 or ES256 (never `none`, never an HMAC: a public key must not be
///   usable as a shared secret), and the token names its key (`kid`);
/// - the signature, with that key of the provider's JWKS (RSA and P-256 keys only; keys of
///   other types or meant for encryption are not loaded);
/// - `iss` is the provider, `aud` includes this back end, `exp` has not passed and `nbf` has
///   come, each with a small leeway for clocks;
/// - the configured claim holds a national ID or iqama number, checked as every number is
///   (format, prefix, check digit).
///
/// The result is the person; which portal account acts for them is the store's question
/// (`AccountStore.accounts(ofPerson:)`).
///
/// **Keys rotate.** The JWKS comes from a file or an HTTPS URL (`Source`) and is read again
/// on a schedule (`JWKSRefresher`, every `MUAMALA_IDP_JWKS_REFRESH_MINUTES`) and when a token
/// names a key not loaded — at most once a `minimumRefreshInterval`, so that tokens with made-up
/// kids cannot make this daemon hammer the provider. A document that cannot be used leaves the
/// keys loaded before in place.
public final class IdentityProvider: Sendable {
    public static let algorithms: Set<String> = ["RS256", "ES256"]
    /// The longest a token may still hold (`exp` from now).
    public static let maximumLifetime: TimeInterval = 24 * 3600

    /// Where the provider publishes its keys.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        /// `https://…` (or `http://` to this machine only, for tests).
        case url(URL)

        public var description: String {
            switch self {
            case .file(let path): path
            case .url(let url): url.absoluteString
            }
        }
    }

    /// The keys loaded, with their kids: a token must name one of them (jwt-kit would
    /// otherwise fall back to a default key).
    struct KeySet: Sendable {
        let keys: JWTKeyCollection
        let kids: Set<String>
    }

    private let keySet: Mutex<KeySet>
    /// When the keys were last read (or a read was last tried), for the rate limit.
    private let lastRead: Mutex<ContinuousClock.Instant>
    let source: Source?
    let issuer: String
    let audience: String
    let idClaim: String
    let leeway: TimeInterval
    let minimumRefreshInterval: Duration

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case noUsableKey(String)

        public var description: String {
            switch self {
            case .unreadable(let detail): "the identity provider's JWKS cannot be read: \(detail)"
            case .noUsableKey(let file): "\(file) holds no RSA or P-256 signing key with a kid"
            }
        }
    }

    /// From a JWKS document; with a `source`, read again from there when keys rotate.
    public init(jwks: Data, issuer: String, audience: String, idClaim: String = "national_id", leeway: TimeInterval = 60,
                source: Source? = nil, minimumRefreshInterval: Duration = .seconds(60)) async throws {
        keySet = Mutex(try await Self.keySet(from: jwks, source: source?.description ?? "the JWKS"))
        lastRead = Mutex(ContinuousClock.now)
        self.source = source
        self.issuer = issuer
        self.audience = audience
        self.idClaim = idClaim
        self.leeway = leeway
        self.minimumRefreshInterval = minimumRefreshInterval
    }

    /// From the daemon's settings (`MUAMALA_IDP_*`): the keys are read now, and a source that
    /// cannot be used stops the daemon with its reason.
    public convenience init(_ settings: Settings.IdentityProviderSettings) async throws {
        let source: Source = settings.jwksURL.flatMap(URL.init(string:)).map(Source.url) ?? .file(settings.jwksFile ?? "")
        try await self.init(jwks: try await Self.read(source), issuer: settings.issuer, audience: settings.audience,
                            idClaim: settings.idClaim, leeway: TimeInterval(settings.leeway.components.seconds), source: source)
    }

    /// Only signing keys of the allowed types, each with its `kid`.
    static func keySet(from jwks: Data, source: String) async throws -> KeySet {
        guard let document = try? JSONSerialization.jsonObject(with: jwks) as? [String: Any],
              let all = document["keys"] as? [[String: Any]] else { throw LoadError.unreadable("\(source) is not a JSON object with keys") }
        let usable = all.filter { key in
            guard key["kid"] is String, key["use"].map({ $0 as? String == "sig" }) ?? true else { return false }
            if let alg = key["alg"] { guard let alg = alg as? String, Self.algorithms.contains(alg) else { return false } }
            switch key["kty"] as? String {
            case "RSA": return key["d"] == nil
            case "EC": return key["crv"] as? String == "P-256" && key["d"] == nil
            default: return false
            }
        }
        guard !usable.isEmpty else { throw LoadError.noUsableKey(source) }
        let keys = JWTKeyCollection()
        do {
            let set = try JSONDecoder().decode(JWKS.self, from: try JSONSerialization.data(withJSONObject: ["keys": usable]))
            try await keys.add(jwks: set)
        } catch {
            throw LoadError.unreadable("\(source): \(error)")
        }
        return KeySet(keys: keys, kids: Set(usable.compactMap { $0["kid"] as? String }))
    }

    /// The largest JWKS document read (a provider publishes a few keys, a few kilobytes).
    static let maxDocumentBytes = 1 << 20

    /// The document at `source`: a file, or an HTTPS URL fetched within 10 s.
    public static func read(_ source: Source) async throws -> Data {
        switch source {
        case .file(let path):
            do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw LoadError.unreadable("\(path): \(error.localizedDescription)")
            }
        case .url(let url):
            guard Self.isAllowed(url) else { throw LoadError.unreadable("\(url): only https (or http to this machine)") }
            var request = URLRequest(url: url, timeoutInterval: 10)
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let (data, response): (Data, URLResponse)
            do { (data, response) = try await URLSession.shared.data(for: request) } catch {
                throw LoadError.unreadable("\(url): \(error.localizedDescription)")
            }
            guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
                throw LoadError.unreadable("\(url): HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            guard data.count <= maxDocumentBytes else { throw LoadError.unreadable("\(url): larger than \(maxDocumentBytes) bytes") }
            return data
        }
    }

    /// https anywhere; http only to this machine (a test's provider).
    public static func isAllowed(_ url: URL) -> Bool {
        switch url.scheme?.lowercased() {
        case "https": return url.host != nil
        case "http": return ["127.0.0.1", "localhost", "::1"].contains(url.host ?? "")
        default: return false
        }
    }

    /// Reads the keys again from the source; the old keys stay when the new document cannot
    /// be used. Returns whether the keys were replaced.
    @discardableResult
    public func refresh() async throws -> Bool {
        guard let source else { return false }
        lastRead.withLock { $0 = ContinuousClock.now }
        let fresh = try await Self.keySet(from: try await Self.read(source), source: source.description)
        keySet.withLock { $0 = fresh }
        return true
    }

    /// A refresh for a token naming an unknown key, unless one was made or tried lately.
    private func refreshForUnknownKey() async -> Bool {
        guard source != nil else { return false }
        let due = lastRead.withLock { last -> Bool in
            guard ContinuousClock.now - last >= minimumRefreshInterval else { return false }
            last = ContinuousClock.now
            return true
        }
        guard due else { return false }
        return (try? await refresh()) ?? false
    }

    /// Whether a bearer token has a JWT's shape (this system's own tokens never do).
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2 && !token.hasPrefix("mua_")
    }

    /// Why a token is not believed (for tests and logs; the caller only ever gets 401).
    public enum Rejection: Error, Equatable {
        case malformed, algorithm(String), signature, issuer, audience, expired, notYetValid, noPerson
    }

    /// The person a token signs in, or why not.
    public func person(from token: String, now: Date = Date()) async -> Result<PersonID, Rejection> {
        guard let header = Self.header(of: token) else { return .failure(.malformed) }
        let alg = header["alg"] as? String ?? ""
        guard Self.algorithms.contains(alg) else { return .failure(.algorithm(alg)) }
        // One spelling per token (base64url without padding), and no extension this code
        // does not understand: RFC 7515 says a `crit` header it cannot honour refuses the token.
        guard !token.contains("="), header["crit"] == nil else { return .failure(.malformed) }
        guard let kid = header["kid"] as? String else { return .failure(.signature) }
        var current = keySet.withLock { $0 }
        if !current.kids.contains(kid) {
            // A key the provider may have added since: read its keys again (rate-limited).
            guard await refreshForUnknownKey() else { return .failure(.signature) }
            current = keySet.withLock { $0 }
            guard current.kids.contains(kid) else { return .failure(.signature) }
        }
        let claims: Claims
        do { claims = try await current.keys.verify(token, as: Claims.self) } catch { return .failure(.signature) }
        guard claims.strings["iss"] == issuer else { return .failure(.issuer) }
        guard claims.audiences.contains(audience) else { return .failure(.audience) }
        guard let exp = claims.numbers["exp"], exp.isFinite, now.timeIntervalSince1970 < exp + leeway else { return .failure(.expired) }
        // A provider's tokens live minutes or hours: one that claims to hold for longer than a
        // day was not made by it for a person's session.
        guard exp - now.timeIntervalSince1970 <= Self.maximumLifetime else { return .failure(.expired) }
        if claims.present.contains("nbf") {
            guard let nbf = claims.numbers["nbf"], nbf.isFinite, now.timeIntervalSince1970 + leeway >= nbf else { return .failure(.notYetValid) }
        }
        guard let number = claims.strings[idClaim], let person = try? PersonID(number) else { return .failure(.noPerson) }
        return .success(person)
    }

    /// Whether a token's `exp` has passed (beyond the leeway), read without verifying it: a
    /// token once verified is remembered under its exact bytes, so this is asked on every
    /// use, and no remembered token outlives its expiry.
    public func hasExpired(_ token: String, now: Date = Date()) -> Bool {
        guard let claims = Self.part(1, of: token), let exp = claims["exp"] as? Double, exp.isFinite else { return true }
        return now.timeIntervalSince1970 >= exp + leeway
    }

    /// The token's header, decoded without trusting it.
    static func header(of token: String) -> [String: Any]? { part(0, of: token) }

    /// One of the token's first two parts as JSON, decoded without trusting it.
    static func part(_ index: Int, of token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[index].utf8.count <= 6144 else { return nil }
        var text = parts[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// The claims as they come: strings, numbers, and `aud` as one string or several. The
    /// checks are made after the signature (`person(from:)`), against the configuration.
    struct Claims: JWTPayload {
        var strings: [String: String] = [:]
        var numbers: [String: Double] = [:]
        var audiences: [String] = []
        /// Every claim the token carries, whatever its type.
        var present: Set<String> = []

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                present.insert(key.stringValue)
                if let text = try? container.decode(String.self, forKey: key) {
                    strings[key.stringValue] = text
                } else if let number = try? container.decode(Double.self, forKey: key) {
                    numbers[key.stringValue] = number
                } else if key.stringValue == "aud", let list = try? container.decode([String].self, forKey: key) {
                    audiences = list
                }
            }
            if let single = strings["aud"] { audiences = [single] }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in strings { try container.encode(value, forKey: Key(stringValue: key)) }
            for (key, value) in numbers { try container.encode(value, forKey: Key(stringValue: key)) }
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

/// Reads the identity provider's keys again every `interval`, so that a key the provider
/// retires stops being believed and a new one is known before the first token that uses it.
public struct JWKSRefresher: Service {
    let provider: IdentityProvider
    let interval: Duration
    let logger: Logger

    public init(provider: IdentityProvider, interval: Duration, logger: Logger) {
        self.provider = provider
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                do {
                    try await provider.refresh()
                } catch {
                    logger.warning("cannot read the identity provider's keys again; the keys loaded before stay",
                                   metadata: ["error": .string(String(describing: error))])
                }
            }
        }
    }
}
