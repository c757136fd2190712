package dev.veto.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.veto.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's token file (YAML): each token stored only as its SHA-256, with a name, its
 * roles, the agent id it speaks for and an optional expiry. A presented token is hashed and
 * compared against every entry in constant time, so neither the file nor the timing of a
 * lookup gives a token away.
 *
 * <pre>
 * tokens:
 *   - name: support-bot
 *     sha256: 9f86d0...   # of the token's UTF-8 bytes
 *     roles: [agent]
 *     agent_id: support-bot
 *     expires: 2027-01-01T00:00:00Z   # optional
 * </pre>
 */
public final class TokenFile {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TOKEN_BYTES = 32;

  private final List<Entry> entries;

  private TokenFile(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** One token: its hash, never the token itself. */
  public record Entry(String name, byte[] sha256, Set<Role> roles, String agentId,
      Instant expires) {}

  public static TokenFile load(Path file) throws IOException {
    JsonNode root = YAML.readTree(file.toFile());
    JsonNode tokens = root == null ? null : root.get("tokens");
    if (tokens == null || !tokens.isArray()) {
      throw new IOException(file + ": expected a list under 'tokens'");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      entries.add(entry(file, i, tokens.get(i)));
    }
    return new TokenFile(entries);
  }

  private static Entry entry(Path file, int index, JsonNode node) throws IOException {
    String where = file + ": tokens[" + index + "]";
    String name = node.path("name").asText("");
    String hash = node.path("sha256").asText("");
    if (!name.matches("[\\w.@:-]{1,64}") || !hash.matches("[0-9a-f]{64}")) {
      throw new IOException(where + ": needs a name (1 to 64 letters, digits or . _ @ : -)"
          + " and a sha256 of 64 lowercase hex digits");
    }

    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (JsonNode role : node.path("roles")) {
      roles.add(Role.fromWire(role.asText()).orElseThrow(() -> new IOException(
          where + ": unknown role '" + role.asText() + "' (agent, approver, operator, auditor)")));
    }
    if (roles.isEmpty()) {
      throw new IOException(where + ": needs at least one role");
    }

    String agentId = node.hasNonNull("agent_id") ? node.get("agent_id").asText() : null;
    if (roles.contains(Role.AGENT) && agentId == null) {
      throw new IOException(where + ": an agent token needs an agent_id");
    }
    if (roles.contains(Role.AGENT) && roles.size() > 1) {
      // An agent that could also approve or change modes could let itself through.
      throw new IOException(where + ": the agent role cannot be combined with another role");
    }
    return new Entry(name, HexFormat.of().parseHex(hash), roles, agentId,
        expiry(where, node.path("expires")));
  }

  private static Instant expiry(String where, JsonNode node) throws IOException {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    try {
      return Instant.parse(node.asText());
    } catch (DateTimeParseException e) {
      throw new IOException(where + ": expires must be an ISO-8601 instant such as"
          + " 2027-01-01T00:00:00Z");
    }
  }

  /** The caller a presented token belongs to, if any and not expired at now. */
  public Optional<Caller> authenticate(String token, Instant now) {
    byte[] presented = sha256(token);
    Entry match = null;
    for (Entry entry : entries) {
      // Every entry is compared, in constant time, whatever matched before.
      if (MessageDigest.isEqual(entry.sha256(), presented)) {
        match = entry;
      }
    }
    if (match == null || (match.expires() != null && !now.isBefore(match.expires()))) {
      return Optional.empty();
    }
    return Optional.of(new Caller(match.name(), match.roles(), agentIdOf(match), false));
  }

  /** Only an agent-only token is bound to one agent id; approvers and operators are not. */
  private static String agentIdOf(Entry entry) {
    return entry.roles().equals(EnumSet.of(Role.AGENT)) ? entry.agentId() : null;
  }

  public int size() {
    return entries.size();
  }

  /** The names in the file, each naming one holder. */
  public java.util.Set<String> names() {
    java.util.Set<String> names = new java.util.HashSet<>();
    entries.forEach(entry -> names.add(entry.name()));
    return names;
  }

  /** A new random token: 32 bytes, base64url without padding. */
  public static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return "veto_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** Adds a token's entry to the file (created if absent); the token itself is not stored. */
  public static void append(Path file, String name, Set<Role> roles, String agentId,
      Instant expires, String token) throws IOException {
    ObjectNode root = Files.exists(file) && Files.size(file) > 0
        ? (ObjectNode) YAML.readTree(file.toFile()) : YAML.createObjectNode();
    ArrayNode tokens = root.has("tokens") ? (ArrayNode) root.get("tokens")
        : root.putArray("tokens");
    ObjectNode entry = tokens.addObject().put("name", name)
        .put("sha256", HexFormat.of().formatHex(sha256(token)));
    ArrayNode roleList = entry.putArray("roles");
    roles.forEach(role -> roleList.add(role.wire()));
    if (agentId != null) {
      entry.put("agent_id", agentId);
    }
    if (expires != null) {
      entry.put("expires", expires.toString());
    }
    // Readable by the owner only, and whole: a reader sees the old file or the new one.
    AtomicFiles.write(file, YAML.writeValueAsBytes(root), AtomicFiles.OWNER_ONLY);
  }
}
