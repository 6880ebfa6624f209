import Domain
import Foundation
import Hummingbird

/// Every error the API returns: a status, a stable code, and the message in Arabic and
/// English (`message` follows `Accept-Language`), plus the fields at fault, if any.
///
/// ```json
/// {"error": {"code": "request.field_missing", "message": "…", "message_ar": "…", "message_en": "…",
///            "fields": [{"field": "worker_id", "code": "…", "message_ar": "…", "message_en": "…"}]}}
/// ```
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let reason: Reason
    public let fields: [FieldError]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ reason: Reason, fields: [FieldError] = []) {
        self.status = status
        self.reason = reason
        self.fields = fields
    }

    public init(_ status: HTTPResponse.Status, _ code: Reason.Code, _ parameters: [String: String] = [:], fields: [FieldError] = []) {
        self.init(status, code(parameters), fields: fields)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let (headers, body) = try rendered(acceptLanguage: request.headers[.acceptLanguage])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The headers and the JSON body, in the language the client prefers.
    func rendered(acceptLanguage: String?) throws -> (HTTPFields, Data) {
        let arabic = Self.prefersArabic(acceptLanguage)
        var body: [String: JSONValue] = [
            "code": .string(reason.code.rawValue),
            "message": .string(arabic ? reason.arabic : reason.english),
            "message_ar": .string(reason.arabic),
            "message_en": .string(reason.english),
        ]
        if !fields.isEmpty {
            body["fields"] = .array(fields.map { field in
                [
                    "field": .string(field.field), "code": .string(field.reason.code.rawValue),
                    "message": .string(arabic ? field.reason.arabic : field.reason.english),
                    "message_ar": .string(field.reason.arabic), "message_en": .string(field.reason.english),
                ]
            })
        }
        var headers = self.headers
        headers[.contentLanguage] = arabic ? "ar" : "en"
        headers[.contentType] = "application/json; charset=utf-8"
        return (headers, try apiEncoder.encode(["error": JSONValue.object(body)]))
    }

    /// Whether Arabic ranks above English in an Accept-Language header.
    static func prefersArabic(_ header: String?) -> Bool {
        guard let header else { return false }
        var best: (language: String, quality: Double) = ("en", -1)
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            var quality = 1.0
            for piece in pieces.dropFirst() where piece.hasPrefix("q=") {
                quality = Double(piece.dropFirst(2)) ?? 0
            }
            let language = tag.hasPrefix("ar") ? "ar" : tag.hasPrefix("en") ? "en" : ""
            if !language.isEmpty && quality > best.quality { best = (language, quality) }
        }
        return best.language == "ar"
    }
}
