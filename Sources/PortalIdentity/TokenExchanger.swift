public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// The authorization-code exchange at the provider's token endpoint (RFC 6749 §4.1.3).
public struct TokenRequest: Sendable, Equatable {
    public let tokenEndpoint: URL
    public let code: String
    public let codeVerifier: String
    public let redirectURI: URL
    public let clientID: String
    /// Sent as HTTP Basic (`client_secret_basic`, OIDC's default); nil for a public client.
    public let clientSecret: String?

    public init(tokenEndpoint: URL, code: String, codeVerifier: String, redirectURI: URL, clientID: String, clientSecret: String?) {
        self.tokenEndpoint = tokenEndpoint
        self.code = code
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// The `application/x-www-form-urlencoded` body.
    public var formBody: String {
        var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI.absoluteString),
                      ("code_verifier", codeVerifier)]
        if clientSecret == nil { fields.append(("client_id", clientID)) }
        return FormEncoding.encode(fields)
    }

    /// `Authorization: Basic …` with the client id and secret each form-encoded first (RFC 6749 §2.3.1).
    public var authorizationHeader: String? {
        guard let clientSecret else { return nil }
        let pair = FormEncoding.escape(clientID) + ":" + FormEncoding.escape(clientSecret)
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }
}

/// What the token endpoint answered; only `id_token` matters to sign-in.
public struct TokenResponse: Sendable, Equatable, Decodable {
    public let idToken: String

    public init(idToken: String) { self.idToken = idToken }

    enum CodingKeys: String, CodingKey { case idToken = "id_token" }
}

/// Posts the code exchange. The portal uses `URLSessionTokenExchanger`; tests use a fake that answers with a
/// token signed by their local issuer.
public protocol TokenExchanger: Sendable {
    func exchange(_ request: TokenRequest) async throws -> TokenResponse
}

public enum TokenExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    case http(status: Int, error: String?)
    case badResponse(String)

    public var description: String {
        switch self {
        case .http(let status, let error?): "token endpoint answered HTTP \(status) (\(Clip.forLog(error)))"
        case .http(let status, nil): "token endpoint answered HTTP \(status)"
        case .badResponse(let reason): "token endpoint answer unusable: \(reason)"
        }
    }
}

/// The token endpoint over URLSession (FoundationNetworking on Linux): one POST with a timeout. URLSession
/// buffers the whole answer; one above `maxResponseBytes` is then refused unread.
public struct URLSessionTokenExchanger: TokenExchanger {
    public static let maxResponseBytes = 64 * 1024
    let session: URLSession
    let timeoutSeconds: Double

    public init(session: URLSession = .shared, timeoutSeconds: Double = 10) {
        self.session = session
        self.timeoutSeconds = timeoutSeconds
    }

    public func exchange(_ request: TokenRequest) async throws -> TokenResponse {
        var post = URLRequest(url: request.tokenEndpoint, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        post.httpMethod = "POST"
        post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        post.setValue("application/json", forHTTPHeaderField: "Accept")
        if let authorization = request.authorizationHeader {
            post.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        post.httpBody = Data(request.formBody.utf8)
        let (data, response) = try await session.data(for: post)
        guard data.count <= Self.maxResponseBytes else { throw TokenExchangeError.badResponse("larger than \(Self.maxResponseBytes) bytes") }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw TokenExchangeError.http(status: status, error: JSONValue.object(from: data)?["error"]?.stringValue)
        }
        do {
            return try JSONDecoder().decode(TokenResponse.self, from: data)
        } catch {
            throw TokenExchangeError.badResponse("no id_token in the JSON answer")
        }
    }
}

/// `application/x-www-form-urlencoded` and query strings: everything but RFC 3986's unreserved characters
/// is percent-encoded (so `+`, `&`, `=` in a value can never split or join fields).
enum FormEncoding {
    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
