/// A PostgreSQL type OID, as `PQftype` reports it.
public struct OID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let bool = OID(16)
    public static let bytea = OID(17)
    public static let char = OID(18)
    public static let name = OID(19)
    public static let int8 = OID(20)
    public static let int2 = OID(21)
    public static let int4 = OID(23)
    public static let text = OID(25)
    public static let oid = OID(26)
    public static let json = OID(114)
    public static let xml = OID(142)
    public static let float4 = OID(700)
    public static let float8 = OID(701)
    public static let unknown = OID(705)
    public static let bpchar = OID(1042)
    public static let varchar = OID(1043)
    public static let date = OID(1082)
    public static let timestamp = OID(1114)
    public static let timestamptz = OID(1184)
    public static let interval = OID(1186)
    public static let numeric = OID(1700)
    public static let uuid = OID(2950)
    public static let jsonb = OID(3802)

    /// OIDs from here on belong to types created in the database (enums, domains, …).
    static let firstUserOID: UInt32 = 16_384

    public var isUserDefined: Bool { rawValue >= Self.firstUserOID }

    /// The element type of a built-in array type.
    public var arrayElement: OID? { Self.arrayElements[self] }

    private static let arrayElements: [OID: OID] = [
        OID(1000): .bool, OID(1001): .bytea, OID(1002): .char, OID(1003): .name,
        OID(1016): .int8, OID(1005): .int2, OID(1007): .int4, OID(1009): .text,
        OID(1028): .oid, OID(199): .json, OID(1021): .float4, OID(1022): .float8,
        OID(1014): .bpchar, OID(1015): .varchar, OID(1182): .date, OID(1115): .timestamp,
        OID(1185): .timestamptz, OID(1187): .interval, OID(1231): .numeric, OID(2951): .uuid,
        OID(3807): .jsonb,
    ]

    public var description: String {
        Self.names[self] ?? "oid \(rawValue)"
    }

    private static let names: [OID: String] = [
        .bool: "bool", .bytea: "bytea", .char: "char", .name: "name", .int8: "int8",
        .int2: "int2", .int4: "int4", .text: "text", .oid: "oid", .json: "json", .xml: "xml",
        .float4: "float4", .float8: "float8", .unknown: "unknown", .bpchar: "bpchar",
        .varchar: "varchar", .date: "date", .timestamp: "timestamp", .timestamptz: "timestamptz",
        .interval: "interval", .numeric: "numeric", .uuid: "uuid", .jsonb: "jsonb",
    ]
}
