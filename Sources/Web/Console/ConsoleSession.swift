import API
import Crypto
import Domain
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Store

/// The console's session cookie and its guard against forged forms.
///
/// - The session: a random id in `muamala_session` (HttpOnly, SameSite=Strict, Path=/console,
///   Secure except on a loopback address), found on the server on every page
///   (`ConsoleSessions`); sign-out deletes it there.
/// - Every POST carries the session's CSRF token in a hidden field, compared in constant time;
///   a POST whose `Origin` or `Sec-Fetch-Site` says it came from another site is refused too.
/// - Before sign-in, the form's token is a random value also set as the `muamala_sign_in`
///   cookie (double submit): another site cannot sign a browser in to its own account.
enum ConsoleSession {
    static let cookie = "muamala_session"
    static let signInCookie = "muamala_sign_in"

    static func sessionCookie(_ value: String, maxAge: Int, request: Request, origin: PublicOrigin? = nil) -> Cookie {
        Cookie(name: cookie, value: value, maxAge: maxAge, path: "/console", secure: secure(request, origin), httpOnly: true, sameSite: .strict)
    }

    static func signInCookie(_ value: String, maxAge: Int, request: Request, origin: PublicOrigin? = nil) -> Cookie {
        Cookie(name: signInCookie, value: value, maxAge: maxAge, path: "/console", secure: secure(request, origin), httpOnly: true, sameSite: .strict)
    }

    /// HTTPS only: when the public origin is https, or, without one, off this machine.
    static func secure(_ request: Request, _ origin: PublicOrigin?) -> Bool {
        origin.map(\.isHTTPS) ?? !isLoopback(request)
    }

    /// Over plain HTTP on this machine (a demo, the tests) a Secure cookie would not be kept;
    /// anywhere else the console is served behind HTTPS.
    static func isLoopback(_ request: Request) -> Bool {
        let authority = request.head.authority ?? ""
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.prefix { $0 != "]" }.dropFirst()
        } else {
            host = authority.split(separator: ":", maxSplits: 1).first ?? ""
        }
        return host == "localhost" || host == "127.0.0.1" || host == "::1"
    }

    /// Whether a form may act: its CSRF field equals the expected token, and the browser does
    /// not say it was sent from another site (another origin than the public one, when set).
    static func formIsOurs(_ form: Form, expected: String, request: Request, origin publicOrigin: PublicOrigin? = nil) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return false }
        if let publicOrigin, let origin = request.headers[.origin], origin.lowercased() != publicOrigin.serialized { return false }
        if publicOrigin == nil, let origin = request.headers[.origin], origin != "null" {
            let authority = request.head.authority ?? ""
            guard let url = URL(string: origin), let host = url.host else { return false }
            let port = url.port.map { ":\($0)" } ?? ""
            let bracketed = host.contains(":") ? "[\(host)]" : host
            guard bracketed + port == authority || (port.isEmpty && bracketed == authority) else { return false }
        }
        guard let given = form["csrf"], !expected.isEmpty else { return false }
        return constantTimeEqual(Array(given.utf8), Array(expected.utf8))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Compare digests: equal lengths, and no early exit on the first difference.
        let x = Array(SHA256.hash(data: a)), y = Array(SHA256.hash(data: b))
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
