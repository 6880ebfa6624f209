import Foundation

/// A Saudization certificate (شهادة السعودة): the band and share at issue, valid for months.
public struct Certificate: Sendable, Equatable, Codable {
    public let id: UUID
    public let establishment: EstablishmentID
    public let band: NitaqatBand
    public let saudizationPercent: Double
    public let issuedOn: Day
    public let validUntil: Day

    public init(id: UUID, establishment: EstablishmentID, band: NitaqatBand, saudizationPercent: Double, issuedOn: Day, validUntil: Day) {
        self.id = id
        self.establishment = establishment
        self.band = band
        self.saudizationPercent = saudizationPercent
        self.issuedOn = issuedOn
        self.validUntil = validUntil
    }
}
