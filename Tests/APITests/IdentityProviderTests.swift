import _CryptoExtras
import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import JWTKit
import Testing
import TestSupport

/// People signed in by the national identity provider: the tests make the provider's keys,
/// publish them as a JWKS, and sign their own tokens, good and bad.
@Suite("Identity provider tokens")
struct IdentityProviderTests {
    static let issuer = "https://iam.example.gov.sa"
    static let audience = "muamala"
    static let person = Fixtures.person(1)

    /// The provider: an RSA key and a P-256 key, each with its kid, and what signs with them.
    struct Provider {
        let signing = JWTKeyCollection()
        var jwks: [[String: String]] = []

        static func make() async throws -> Provider {
            var provider = Provider()
            let rsa = try Insecure.RSA.PrivateKey(backing: try _RSA.Signing.PrivateKey(keySize: .bits2048))
            await provider.signing.add(rsa: rsa, digestAlgorithm: .sha256, kid: "rsa-1")
            let (modulus, exponent) = try rsa.publicKey.getKeyPrimitives()
            provider.jwks.append(["kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
                                  "n": modulus.base64URL, "e": exponent.base64URL])
            try await provider.addEC(kid: "ec-1")
            return provider
        }

        mutating func addEC(kid: String) async throws {
            let key = ES256PrivateKey()
            await signing.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            let parameters = try #require(key.parameters)
            jwks.append(["kty": "EC", "crv": "P-256", "kid": kid, "x": parameters.x, "y": parameters.y])
        }

        func document(only kids: Set<String>? = nil) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["keys": jwks.filter { kids?.contains($0["kid"]!) ?? true }])
        }

        func verifier(only kids: Set<String>? = nil) async throws -> IdentityProvider {
            try await IdentityProvider(jwks: try document(only: kids), issuer: IdentityProviderTests.issuer, audience: IdentityProviderTests.audience)
        }

        func token(kid: String, _ claims: TestClaims = TestClaims()) async throws -> String {
            try await signing.sign(claims, kid: JWKIdentifier(string: kid))
        }
    }

    struct TestClaims: JWTPayload {
        var iss = IdentityProviderTests.issuer
        var aud: [String] = [IdentityProviderTests.audience]
        var exp = Date().timeIntervalSince1970 + 600
        var nbf: Double? = nil
        var national_id: String? = IdentityProviderTests.person.digits

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Good claims but a not-before that is text.
    struct OddClaims: JWTPayload {
        var iss = IdentityProviderTests.issuer
        var aud = IdentityProviderTests.audience
        var exp = Date().timeIntervalSince1970 + 600
        var nbf = "yesterday"
        var national_id = IdentityProviderTests.person.digits

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func unsigned(alg: String, kid: String = "rsa-1", claims: String = #"{"iss":"x"}"#) -> String {
        Data(#"{"alg":"\#(alg)","kid":"\#(kid)","typ":"JWT"}"#.utf8).base64URL + "." + Data(claims.utf8).base64URL + "."
    }

    @Test("a good token of either key signs its person in")
    func good() async throws {
        let provider = try await Provider.make()
        let verifier = try await provider.verifier()
        for kid in ["rsa-1", "ec-1"] {
            #expect(await verifier.person(from: try await provider.token(kid: kid)) == .success(Self.person), "\(kid)")
        }
        var single = TestClaims()
        single.aud = ["other", Self.audience]
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", single)) == .success(Self.person), "aud as a list")
    }

    @Test("refused: none, HMAC (the public key as a secret), a wrong key, wrong issuer or audience, expired, not yet valid, no valid number")
    func refused() async throws {
        let provider = try await Provider.make()
        let verifier = try await provider.verifier()
        #expect(await verifier.person(from: Self.unsigned(alg: "none")) == .failure(.algorithm("none")))
        // An HS256 token whose secret is the RSA key's published modulus: the classic confusion.
        let confused = JWTKeyCollection()
        await confused.add(hmac: HMACKey(from: Data(provider.jwks[0]["n"]!.utf8)), digestAlgorithm: .sha256, kid: "rsa-1")
        #expect(await verifier.person(from: try await confused.sign(TestClaims(), kid: "rsa-1")) == .failure(.algorithm("HS256")))
        // Signed by a key the provider never published, under a kid it did.
        var impostor = Provider()
        try await impostor.addEC(kid: "ec-1")
        #expect(await verifier.person(from: try await impostor.token(kid: "ec-1")) == .failure(.signature))
        // A real key of the provider's, named by a kid the JWKS does not have.
        let misnamed = JWTKeyCollection()
        let stray = ES256PrivateKey()
        await misnamed.add(ecdsa: stray, kid: "nope")
        #expect(await verifier.person(from: try await misnamed.sign(TestClaims(), kid: "nope")) == .failure(.signature))
        // A token without a kid, and one that is not a token.
        #expect(await verifier.person(from: Self.unsigned(alg: "RS256", kid: "")) == .failure(.signature))
        #expect(await verifier.person(from: "a.b.c") == .failure(.malformed))

        var claims = TestClaims()
        claims.iss = "https://elsewhere.example"
        #expect(await verifier.person(from: try await provider.token(kid: "rsa-1", claims)) == .failure(.issuer))
        claims = TestClaims()
        claims.aud = ["another-client"]
        #expect(await verifier.person(from: try await provider.token(kid: "rsa-1", claims)) == .failure(.audience))
        claims = TestClaims()
        claims.exp = Date().timeIntervalSince1970 - 120  // past the 60 s leeway
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .failure(.expired))
        claims.exp = Date().timeIntervalSince1970 - 30  // within it
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .success(Self.person))
        claims = TestClaims()
        claims.nbf = Date().timeIntervalSince1970 + 120
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .failure(.notYetValid))
        // A not-before that is not a time is refused, not ignored.
        let odd = OddClaims()
        #expect(await verifier.person(from: try await provider.signing.sign(odd, kid: "ec-1")) == .failure(.notYetValid))
        claims = TestClaims()
        claims.exp = Date().timeIntervalSince1970 + 2 * 86_400  // longer than any session
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .failure(.expired))
        // A padded spelling of a good token, and a critical extension nobody here understands.
        let good = try await provider.token(kid: "rsa-1")
        #expect(await verifier.person(from: good + "=") == .failure(.malformed))
        #expect(await verifier.person(from: Self.unsigned(alg: "RS256", claims: #"{"iss":"x"}"#).replacingOccurrences(
            of: Data(#"{"alg":"RS256","kid":"rsa-1","typ":"JWT"}"#.utf8).base64URL,
            with: Data(#"{"alg":"RS256","kid":"rsa-1","crit":["exp"],"exp":1}"#.utf8).base64URL)) == .failure(.malformed))
        claims = TestClaims()
        claims.national_id = "2000000015"  // a wrong check digit
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .failure(.noPerson))
        claims.national_id = nil
        #expect(await verifier.person(from: try await provider.token(kid: "ec-1", claims)) == .failure(.noPerson))
    }

    @Test("a remembered token is not used past its expiry: the expiry is read on every use")
    func expiryOnEveryUse() async throws {
        let provider = try await Provider.make()
        let verifier = try await provider.verifier()
        var claims = TestClaims()
        claims.exp = Date().timeIntervalSince1970 - 30
        let token = try await provider.token(kid: "ec-1", claims)
        #expect(!verifier.hasExpired(token))
        #expect(verifier.hasExpired(token, now: Date().addingTimeInterval(31)))
        #expect(verifier.hasExpired("not.a.token"))
    }

    @Test("through the middleware: a token remembered by the principal cache is refused once its expiry passes")
    func rememberedTokenExpires() async throws {
        let provider = try await Provider.make()
        let verifier = try await provider.verifier()
        try await withScratchDatabase { database in
            let api = try TestAPI(database, identityProvider: verifier)
            try await api.run { db in _ = try Fixtures.user(.worker, person: Self.person, on: db) }
            try await api.application.test(.router) { client in
                var claims = TestClaims()
                claims.exp = Date().timeIntervalSince1970 - 57  // three seconds left of the 60 s leeway
                let token = try await provider.token(kid: "ec-1", claims)
                #expect(try await client.call(.get, "/v1/me", token: token).status == .ok)  // now remembered for 30 s
                try await Task.sleep(for: .seconds(4))
                #expect(try await client.call(.get, "/v1/me", token: token).status == .unauthorized)
            }
            await api.pool.close()
        }
    }

    @Test("key rotation: a token of the new key is believed once the JWKS has it; the old key's once it is gone, no more")
    func rotation() async throws {
        var provider = try await Provider.make()
        try await provider.addEC(kid: "ec-2")
        let old = try await provider.token(kid: "ec-1")
        let new = try await provider.token(kid: "ec-2")
        #expect(await try provider.verifier(only: ["ec-1"]).person(from: new) == .failure(.signature))
        #expect(await try provider.verifier(only: ["ec-1", "ec-2"]).person(from: new) == .success(Self.person))
        #expect(await try provider.verifier(only: ["ec-2"]).person(from: old) == .failure(.signature))
    }

    @Test("keys read again from their file: a new key is learnt on its first token (rate-limited), a retired one forgotten on refresh, a bad document keeps the old keys")
    func refreshFromFile() async throws {
        var provider = try await Provider.make()
        try await provider.addEC(kid: "ec-2")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString.prefix(8)).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try provider.document(only: ["ec-1"]).write(to: file)
        let verifier = try await IdentityProvider(jwks: try Data(contentsOf: file), issuer: Self.issuer, audience: Self.audience,
                                                  source: .file(file.path), minimumRefreshInterval: .seconds(3600))
        let new = try await provider.token(kid: "ec-2"), old = try await provider.token(kid: "ec-1")
        // Not yet published; and the failed look is not repeated within the interval.
        #expect(await verifier.person(from: new) == .failure(.signature))
        try provider.document().write(to: file)
        #expect(await verifier.person(from: new) == .failure(.signature), "read again within the minimum interval")
        let eager = try await IdentityProvider(jwks: try provider.document(only: ["ec-1"]), issuer: Self.issuer, audience: Self.audience,
                                               source: .file(file.path), minimumRefreshInterval: .zero)
        #expect(await eager.person(from: new) == .success(Self.person), "an unknown kid makes it read the keys again")
        // The provider retires ec-1: forgotten at the next refresh.
        try provider.document(only: ["ec-2"]).write(to: file)
        #expect(try await eager.refresh())
        #expect(await eager.person(from: old) == .failure(.signature))
        #expect(await eager.person(from: new) == .success(Self.person))
        // A document that cannot be used leaves the keys as they were.
        try Data("not json".utf8).write(to: file)
        await #expect(throws: IdentityProvider.LoadError.self) { try await eager.refresh() }
        #expect(await eager.person(from: new) == .success(Self.person))
    }

    @Test("keys read from an URL: http only to this machine, https elsewhere; a bad answer is refused")
    func refreshFromURL() async throws {
        var made = try await Provider.make()
        try await made.addEC(kid: "ec-2")
        let provider = made
        let published = Locked(try provider.document(only: ["ec-1"]))
        let router = Router()
        router.get("/jwks") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: published.value)))
        }
        router.get("/broken") { _, _ -> Response in Response(status: .internalServerError) }
        let app = Application(router: router)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/jwks"))
            let verifier = try await IdentityProvider(jwks: try await IdentityProvider.read(.url(url)), issuer: Self.issuer, audience: Self.audience,
                                                      source: .url(url), minimumRefreshInterval: .zero)
            let new = try await provider.token(kid: "ec-2")
            #expect(await verifier.person(from: new) == .failure(.signature))
            published.withLock { $0 = (try? provider.document()) ?? Data() }
            #expect(await verifier.person(from: new) == .success(Self.person))
            await #expect(throws: IdentityProvider.LoadError.self) {
                try await IdentityProvider.read(.url(URL(string: "http://127.0.0.1:\(port)/broken")!))
            }
        }
        #expect(!IdentityProvider.isAllowed(URL(string: "http://iam.example.gov.sa/jwks")!))
        #expect(IdentityProvider.isAllowed(URL(string: "https://iam.example.gov.sa/jwks")!))
        #expect(!IdentityProvider.isAllowed(URL(string: "file:///etc/passwd")!))
    }

    @Test("a JWKS without a usable signing key is refused at start, with its reason")
    func unusableJWKS() async throws {
        let secret = try JSONSerialization.data(withJSONObject: ["keys": [["kty": "oct", "kid": "h", "k": "c2VjcmV0"]]])
        await #expect(throws: IdentityProvider.LoadError.self) {
            try await IdentityProvider(jwks: secret, issuer: Self.issuer, audience: Self.audience)
        }
        await #expect(throws: IdentityProvider.LoadError.self) {
            try await IdentityProvider(jwks: Data("not json".utf8), issuer: Self.issuer, audience: Self.audience)
        }
    }

    @Test("over HTTP: a person's token acts as his portal account; several accounts need Muamala-Account; none is 401")
    func overHTTP() async throws {
        let provider = try await Provider.make()
        let verifier = try await provider.verifier()
        try await withScratchDatabase { database in
            let api = try TestAPI(database, identityProvider: verifier)
            let other = Fixtures.person(2)
            let owner = try await api.run { db -> String in
                _ = try Fixtures.user(.worker, person: Self.person, on: db)
                _ = try Fixtures.user(.worker, person: other, on: db)
                return try Fixtures.user(.owner, company: "7000000001", person: other, on: db).principal.user.id.uuidString
            }
            try await api.application.test(.router) { client in
                let mine = try await provider.token(kid: "rsa-1")
                let me = try await client.call(.get, "/v1/me", token: mine)
                #expect(me.status == .ok && me.json["role"] == "worker" && me.json["person_id"]?.stringValue == Self.person.digits)

                var claims = TestClaims()
                claims.national_id = other.digits
                let theirs = try await provider.token(kid: "ec-1", claims)
                let ambiguous = try await client.call(.get, "/v1/me", token: theirs)
                #expect(ambiguous.status == .unauthorized && ambiguous.errorCode == "auth.account_choice_needed")
                #expect(ambiguous.json["error"]?["message_ar"]?.stringValue?.isEmpty == false)
                let chosen = try await client.execute(uri: "/v1/me", method: .get, headers: [
                    .authorization: "Bearer \(theirs)", HTTPField.Name("Muamala-Account")!: owner,
                ]) { $0 }
                #expect(chosen.status == .ok)
                let notMine = try await client.execute(uri: "/v1/me", method: .get, headers: [
                    .authorization: "Bearer \(mine)", HTTPField.Name("Muamala-Account")!: owner,
                ]) { $0 }
                #expect(notMine.status == .unauthorized)
                // A bad token is told as one, whatever the account header says.
                let forged = try await client.execute(uri: "/v1/me", method: .get, headers: [
                    .authorization: "Bearer a.b.c", HTTPField.Name("Muamala-Account")!: "garbage",
                ]) { response in (response.status, String(decoding: response.body.readableBytesView, as: UTF8.self)) }
                #expect(forged.0 == .unauthorized && forged.1.contains("\"auth.unauthenticated\""), "\(forged.1)")
                let garbage = try await client.call(.get, "/v1/me", token: mine)
                #expect(garbage.status == .ok)

                claims.national_id = Fixtures.person(3).digits  // signed in, but no portal account: he may only register
                let newcomer = try await client.call(.get, "/v1/me", token: try await provider.token(kid: "ec-1", claims))
                #expect(newcomer.status == .ok && newcomer.json["registered"] == false && newcomer.json["user_id"] == .null, "\(newcomer.json)")
                claims = TestClaims()
                claims.exp = Date().timeIntervalSince1970 - 3600
                #expect(try await client.call(.get, "/v1/me", token: try await provider.token(kid: "ec-1", claims)).status == .unauthorized)
                #expect(try await client.call(.get, "/v1/me", token: Self.unsigned(alg: "none")).status == .unauthorized)
            }
            await api.pool.close()
        }
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
