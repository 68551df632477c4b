#include "harness.h"
#include "policy_internal.h"

#include <dirent.h>

/* containers-image/policies/EXPECTED.md: NULL = OK; else the message after
 * `invalid policy in "FILE": ` (the HEAD column where it differs from skopeo 1.9.3). */
static const struct {
    const char *file, *message;
} expected[] = {
    {"atomic-bad-scope.json", "Unknown key \"host/ns/stream:tag/extra\""},
    {"baselayer-ok.json", NULL},
    {"default-empty.json", "List of verification policy requirements must not be empty"},
    {"default-null.json", "List of verification policy requirements must not be empty"},
    {"dir-relative-scope.json", "Unknown key \"relative/path\""},
    {"dir-root-scope.json", "Unknown key \"/\""},
    {"dir-unclean-scope.json", "Unknown key \"/tmp/\""},
    {"docker-any-scope-ok.json", NULL},
    {"docker-archive-scope.json", "Unknown key \"/tmp/x.tar\""},
    {"docker-daemon-digest-scope.json",
     "Unknown key \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""},
    {"duplicate-top-key.json", "Duplicate key \"default\""},
    {"empty-file.json", "unexpected end of JSON input"},
    {"exactref-no-tag.json",
     "dockerReference \"example.com/repo\" contains neither a tag nor digest"},
    {"exactref-uppercase.json",
     "Invalid format of dockerReference \"Example.com/REPO:tag\": invalid "
     "reference format: repository name must be lowercase"},
    {"exactrepo-missing.json", "Key \"dockerRepository\" missing in a JSON object"},
    {"exactrepo-with-tag-ok.json", NULL},
    {"matchexact-extra.json", "Unknown key \"dockerReference\""},
    {"missing-default.json", "Default policy is missing"},
    {"not-object.json", "JSON object expected, got \"[\""},
    {"remap-bad-prefix.json", "prefix \"example.com/repo:tag\" is not valid"},
    {"remap-empty-prefix.json", "prefix \"\" is not valid"},
    {"remap-ok.json", NULL},
    {"req-extra-field.json", "Unknown key \"x\""},
    {"req-type-case.json", "Unknown key \"Type\""},
    {"scope-empty-reqs.json", "List of verification policy requirements must not be empty"},
    {"signedby-bad-base64.json", "illegal base64 data at input byte 3"},
    {"signedby-bad-keytype.json", "Unrecognized keyType value \"gpgkeys\""},
    {"signedby-empty-keypath.json",
     "exactly one of keyPath, keyPaths and keyData must be specified"},
    {"signedby-identity-null.json", "Unknown policy reference match type \"\""},
    {"signedby-identity-unknown.json", "Unknown policy reference match type \"matchAnything\""},
    {"signedby-keypaths-empty.json", NULL},
    {"signedby-keypaths-null.json",
     "exactly one of keyPath, keyPaths and keyData must be specified"},
    {"signedby-no-key.json",
     "Exactly one of keyPath, keyPaths and keyData must be specified, none of them present"},
    {"signedby-no-keytype.json", "invalid keyType \"\""},
    {"signedby-ok-x509.json", NULL},
    {"signedby-two-keys.json",
     "Exactly one of keyPath, keyPaths and keyData must be specified, more than one present"},
    {"sigstore-fulcio-missing-email.json", "subjectEmail not specified"},
    {"sigstore-fulcio-no-rekor.json",
     "At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and "
     "rekorPublicKeyDatas must be specified if fulcio is used"},
    {"sigstore-fulcio-ok.json", NULL},
    {"sigstore-key-rekor-ok.json", NULL},
    {"sigstore-keydatas.json", NULL},
    {"sigstore-keypath-ok.json", NULL},
    {"sigstore-keypaths.json", NULL},
    {"sigstore-keypaths-empty.json", "\"keyPaths\" contains no entries"},
    {"sigstore-no-key.json",
     "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified"},
    {"sigstore-pki-no-subject.json",
     "At least one of subjectEmail, subjectHostname must be specified"},
    {"sigstore-pki-ok.json", NULL},
    {"sigstore-pki-rekor.json", "rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and "
                                "rekorPublicKeyDatas are not supported for pki"},
    {"sigstore-two-rekor.json",
     "at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and "
     "rekorPublicKeyDatas can be used simultaneously"},
    {"sigstore-two-sources.json",
     "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified"},
    {"trailing-data.json", "invalid character '{' after top-level value"},
    {"unknown-req-type.json", "Unknown policy requirement type \"signedByMagic\""},
    {"unknown-top-key.json", "Unknown key \"extra\""},
    {"unknown-transport-ok.json", NULL},
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static int
check_vector(size_t i)
{
    char path[1024], want[512];
    signet_buf buf = SIGNET_BUF_INIT;
    signet_policy *policy = NULL;
    int rc, failures = harness_failures_in_case;

    snprintf(path, sizeof(path), "%s", harness_vector("containers-image/policies/"));
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", expected[i].file);
    if (harness_read(&buf, path) != 0)
        return 0;
    signet_ctx_clear_error(harness_ctx);
    rc = signet_policy_parse(&policy, harness_ctx, buf.ptr, buf.size, expected[i].file);
    if (expected[i].message == NULL) {
        if (rc != SIGNET_OK)
            harness_fail(__FILE__, __LINE__, "%s: refused: %s", expected[i].file,
                         signet_ctx_error(harness_ctx));
        else if (signet_policy_requirements_count(signet_policy_default(policy)) == 0)
            harness_fail(__FILE__, __LINE__, "%s: empty default", expected[i].file);
    } else {
        snprintf(want, sizeof(want), "invalid policy in \"%s\": %s", expected[i].file,
                 expected[i].message);
        if (rc != SIGNET_EPARSE || policy != NULL)
            harness_fail(__FILE__, __LINE__, "%s: returned %d, want SIGNET_EPARSE",
                         expected[i].file, rc);
        else if (strcmp(signet_ctx_error(harness_ctx), want) != 0)
            harness_fail(__FILE__, __LINE__, "%s:\n  got  '%s'\n  want '%s'", expected[i].file,
                         signet_ctx_error(harness_ctx), want);
    }
    signet_policy_free(policy);
    signet_buf_dispose(&buf);
    return harness_failures_in_case == failures;
}

static void
test_policy__every_vector_as_containers_image(void)
{
    for (size_t i = 0; i < NEXPECTED; i++)
        check_vector(i);
}

/* Every *.json of the directory is in the table: a new vector is not skipped silently. */
static void
test_policy__no_vector_left_out(void)
{
    char dir[1024];
    DIR *d;
    struct dirent *e;
    size_t seen = 0;

    snprintf(dir, sizeof(dir), "%s", harness_vector("containers-image/policies"));
    d = opendir(dir);
    if (d == NULL) {
        harness_fail(__FILE__, __LINE__, "cannot open %s", dir);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), i;
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        seen++;
        for (i = 0; i < NEXPECTED; i++)
            if (strcmp(expected[i].file, e->d_name) == 0)
                break;
        if (i == NEXPECTED)
            harness_fail(__FILE__, __LINE__, "vector %s has no expected outcome", e->d_name);
    }
    closedir(d);
    CHECK(seen == NEXPECTED);
}

static signet_policy *
parse_text(const char *json)
{
    signet_policy *policy = NULL;

    CHECK_OK(signet_policy_parse(&policy, harness_ctx, json, strlen(json), "t.json"));
    return policy;
}

static void
check_message(const char *json, const char *message)
{
    char want[512];
    signet_policy *policy = NULL;

    snprintf(want, sizeof(want), "invalid policy in \"t.json\": %s", message);
    signet_ctx_clear_error(harness_ctx);
    if (signet_policy_parse(&policy, harness_ctx, json, strlen(json), "t.json") != SIGNET_EPARSE)
        harness_fail(__FILE__, __LINE__, "%s: accepted", json);
    else if (strcmp(signet_ctx_error(harness_ctx), want) != 0)
        harness_fail(__FILE__, __LINE__, "%s:\n  got  '%s'\n  want '%s'", json,
                     signet_ctx_error(harness_ctx), want);
    signet_policy_free(policy);
    signet_ctx_clear_error(harness_ctx);
}

#define REQ(t) "[{\"type\":\"" t "\"}]"

static void
test_policy__go_messages(void)
{
    check_message("{\"default\":" REQ("reject") ",\"x\":1,\"default\":2}", "Unknown key \"x\"");
    check_message("{\"default\":" REQ("reject") ",\"default\":2,\"x\":1}",
                  "Duplicate key \"default\"");
    check_message("{\"default\":1}",
                  "json: cannot unmarshal number into Go value of type []json.RawMessage");
    check_message("{\"default\":[1]}",
                  "json: cannot unmarshal number into Go value of type signature.prCommon");
    check_message("{\"default\":[null]}", "Unknown policy requirement type \"\"");
    check_message("{\"default\":[{\"type\":1}]}",
                  "json: cannot unmarshal number into Go struct field prCommon.type of type "
                  "signature.prTypeIdentifier");
    check_message("{\"default\":" REQ("reject") ",\"transports\":null}",
                  "JSON object expected, got <nil>");
    check_message("{\"default\":" REQ("reject") ",\"transports\":{\"docker\":[]}}",
                  "JSON object expected, got \"[\"");
    check_message("1", "JSON object expected, got 1");
    check_message("\"a\\u00e9\\n\"", "JSON object expected, got \"a\xc3\xa9\\n\"");
    check_message("{", "unexpected end of JSON input");
    check_message(" ", "unexpected end of JSON input");
    check_message("{\"default\":tru}", "invalid character '}' in literal true (expecting 'e')");
    check_message("{\"default\" 1}", "invalid character '1' after object key");
    check_message("{\"default\":1 2}", "invalid character '2' after object key:value pair");
    check_message("{\"default\":[1 2]}", "invalid character '2' after array element");
    check_message("{,}", "invalid character ',' looking for beginning of object key string");
    check_message("{\"a\":-}", "invalid character '}' in numeric literal");
    check_message("{\"a\":1.}", "invalid character '}' after decimal point in numeric literal");
    check_message("{\"a\":\"\\x\"}", "invalid character 'x' in string escape code");
    check_message("{\"a\":\"\x01\"}", "invalid character '\\x01' in string literal");
    check_message("\xff", "invalid character '\xc3\xbf' looking for beginning of value");
    check_message("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":1}]}",
                  "json: cannot unmarshal number into Go value of type string");
    check_message("{\"default\":[{\"type\":\"signedBy\",\"keyType\":null,\"keyPath\":\"/a\"}]}",
                  "Unrecognized keyType value \"\"");
    check_message(
        "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"YQ\"}]}",
        "illegal base64 data at input byte 0");
    check_message("{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":null,"
                  "\"rekorPublicKeyPath\":\"/r\"}]}",
                  "JSON object expected, got <nil>");
    check_message("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/a\","
                  "\"rekorPublicKeyPaths\":[]}]}",
                  "\"rekorPublickeyPaths\" contains no entries");
    check_message("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/a\","
                  "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
                  "\"x@sha256:abc\"}}]}",
                  "Invalid format of dockerReference \"x@sha256:abc\": invalid reference format");
    check_message("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/a\","
                  "\"signedIdentity\":{\"type\":\"exactRepository\",\"dockerRepository\":"
                  "\"Busybox\"}}]}",
                  "Invalid format of dockerRepository \"Busybox\": invalid reference format: "
                  "repository name must be lowercase");
    check_message("{\"default\":[{\"type\":\"signedBaseLayer\"}]}",
                  "Key \"baseLayerIdentity\" missing in a JSON object");
    check_message(
        "{\"default\":" REQ("reject") ",\"transports\":{\"oci\":{\"/a/../b\":" REQ("reject") "}}}",
        "Unknown key \"/a/../b\"");
    check_message("{\"default\":" REQ("reject") ",\"transports\":{\"containers-storage\":"
                                                "{\"relative\":" REQ("reject") "}}}",
                  "Unknown key \"relative\"");
}

static void
test_policy__accepts_what_containers_image_accepts(void)
{
    static const char *const ok[] = {
        "{\"default\":[{\"type\":\"insecureAcceptAnything\"}],\"transports\":{}}",
        "{\"default\":[{\"type\":\"reject\"}],"
        "\"transports\":{\"docker\":{\"\":[{\"type\":\"reject\"}]}}}",
        "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"\"}]}",
        "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
        "\"keyData\":\"YW\\nJj\"}]}",
        "{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{\"caRootsData\":\"YWJj\","
        "\"caIntermediatesPath\":\"/i\",\"subjectEmail\":\"a@b\"}}]}",
        "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"containers-storage\":"
        "{\"[overlay@/var/lib/containers/storage]docker.io/x:1\":[{\"type\":\"reject\"}]}}}",
        "{\"default\":[{\"type\":\"reject\"}],\"transports\":{"
        "\"oci\":{\"/a/b\":[{\"type\":\"reject\"}]},"
        "\"atomic\":{\"*.example.com\":[{\"type\":\"reject\"}],"
        "\"h:5000/ns/s:t\":[{\"type\":\"reject\"}]}}}",
        "{\"default\":[{\"type\":\"reject\"}],"
        "\"transports\":{\"docker-daemon\":{\"sha256:x\":[{\"type\":\"reject\"}]}}}",
    };
    signet_policy *policy;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        policy = parse_text(ok[i]);
        if (policy == NULL)
            harness_fail(__FILE__, __LINE__, "refused: %s", ok[i]);
        signet_policy_free(policy);
    }
}

static void
test_policy__each_signed_identity(void)
{
    static const struct {
        const char *json;
        signet_policy_identity_type type;
    } cases[] = {
        {"", SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT},
        {",\"signedIdentity\":{\"type\":\"matchExact\"}", SIGNET_POLICY_MATCH_EXACT},
        {",\"signedIdentity\":{\"type\":\"matchRepoDigestOrExact\"}",
         SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT},
        {",\"signedIdentity\":{\"type\":\"matchRepository\"}", SIGNET_POLICY_MATCH_REPOSITORY},
        {",\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":\"busybox:1\"}",
         SIGNET_POLICY_EXACT_REFERENCE},
        {",\"signedIdentity\":{\"type\":\"exactRepository\",\"dockerRepository\":\"busybox\"}",
         SIGNET_POLICY_EXACT_REPOSITORY},
        {",\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"localhost\","
         "\"signedPrefix\":\"example.com:80/ns/repo\"}",
         SIGNET_POLICY_REMAP_IDENTITY},
    };
    char json[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int sigstore = 0; sigstore < 2; sigstore++) {
            signet_policy *policy;
            const signet_policy_requirements *reqs;
            snprintf(json, sizeof(json), "{\"default\":[{\"type\":\"%s\",\"keyPath\":\"/k\"%s%s}]}",
                     sigstore ? "sigstoreSigned" : "signedBy",
                     sigstore ? "" : ",\"keyType\":\"GPGKeys\"", cases[i].json);
            policy = parse_text(json);
            if (policy == NULL)
                continue;
            reqs = signet_policy_default(policy);
            CHECK(signet_policy_requirements_count(reqs) == 1);
            CHECK(signet_policy_requirement_type_at(reqs, 0) ==
                  (sigstore ? SIGNET_POLICY_SIGSTORE_SIGNED : SIGNET_POLICY_SIGNED_BY));
            if (signet_policy_requirement_identity_at(reqs, 0) != cases[i].type)
                harness_fail(__FILE__, __LINE__, "%s: identity %s", json,
                             signet_policy_identity_type_name(
                                 signet_policy_requirement_identity_at(reqs, 0)));
            signet_policy_free(policy);
        }
    }
}

#define DG            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DG2           "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define MATCH_EXACT   "{\"type\":\"matchExact\"}"
#define MATCH_RDOE    "{\"type\":\"matchRepoDigestOrExact\"}"
#define MATCH_REPO    "{\"type\":\"matchRepository\"}"
#define EXACT_REF(r)  "{\"type\":\"exactReference\",\"dockerReference\":\"" r "\"}"
#define EXACT_REPO(r) "{\"type\":\"exactRepository\",\"dockerRepository\":\"" r "\"}"
#define REMAP(p, s)   "{\"type\":\"remapIdentity\",\"prefix\":\"" p "\",\"signedPrefix\":\"" s "\"}"

/*
 * The evaluator's signedIdentity check, rule by rule: the image's reference against the
 * identity a signature claims (containers/image's policy_reference_match_test.go cases and
 * containers-policy.md §1.7). The manifest digest is checked elsewhere.
 */
static void
test_policy__identity_rules(void)
{
    static const struct {
        const char *rule; /* signedIdentity JSON; NULL: absent (matchRepoDigestOrExact) */
        const char *image, *signed_identity;
        int accepted;
    } cases[] = {
        /* matchExact: both tagged or digested, String() equal after normalisation. */
        {MATCH_EXACT, "busybox:latest", "busybox:latest", 1},
        {MATCH_EXACT, "busybox:latest", "docker.io/library/busybox:latest", 1},
        {MATCH_EXACT, "busybox:latest", "library/busybox:latest", 1},
        {MATCH_EXACT, "busybox:latest", "index.docker.io/library/busybox:latest", 1},
        {MATCH_EXACT, "docker.io/library/busybox:latest", "busybox:latest", 1},
        {MATCH_EXACT, "busybox:latest", "busybox:other", 0},
        {MATCH_EXACT, "busybox:latest", "busybox", 0},
        {MATCH_EXACT, "busybox:latest", "busybox:latest@" DG, 0},
        {MATCH_EXACT, "busybox:latest", "Not/A/Reference", 0},
        {MATCH_EXACT, "busybox@" DG, "busybox@" DG, 1},
        {MATCH_EXACT, "busybox@" DG, "busybox@" DG2, 0},
        {MATCH_EXACT, "busybox@" DG, "busybox:latest", 0},
        {MATCH_EXACT, "example.com/ns/app:v1", "example.com/ns/app:v1", 1},
        {MATCH_EXACT, "example.com/ns/app:v1", "example.com:5000/ns/app:v1", 0},
        /* matchRepoDigestOrExact: a tagged image needs the same String(); an image by digest
         * only the same name (any tag or digest in the signature); never a name-only one. */
        {MATCH_RDOE, "busybox:latest", "busybox:latest", 1},
        {MATCH_RDOE, "busybox:latest", "docker.io/library/busybox:latest", 1},
        {MATCH_RDOE, "busybox:latest", "busybox:v2", 0},
        {MATCH_RDOE, "busybox:latest", "busybox@" DG, 0},
        {MATCH_RDOE, "busybox:latest", "busybox", 0},
        {MATCH_RDOE, "busybox@" DG, "busybox:latest", 1},
        {MATCH_RDOE, "busybox@" DG, "busybox@" DG2, 1},
        {MATCH_RDOE, "busybox@" DG, "docker.io/library/busybox:v9", 1},
        {MATCH_RDOE, "busybox@" DG, "busybox", 0},
        {MATCH_RDOE, "busybox@" DG, "other@" DG, 0},
        {MATCH_RDOE, "example.com/ns/app:v1", "example.com/ns/app:v1", 1},
        {MATCH_RDOE, "example.com/ns/app:v1", "example.com/ns/app", 0},
        {NULL, "busybox:latest", "busybox:latest", 1},
        {NULL, "busybox:latest", "busybox:v2", 0},
        {NULL, "busybox@" DG, "busybox:latest", 1},
        /* matchRepository: Name() only; name-only signatures (cosign's) are fine. */
        {MATCH_REPO, "busybox:latest", "busybox", 1},
        {MATCH_REPO, "busybox:latest", "busybox:other", 1},
        {MATCH_REPO, "busybox@" DG, "docker.io/library/busybox@" DG2, 1},
        {MATCH_REPO, "busybox:latest", "busybox2", 0},
        {MATCH_REPO, "busybox:latest", "example.com/busybox", 0},
        {MATCH_REPO, "example.com/a/b:1", "example.com/a/b", 1},
        {MATCH_REPO, "example.com/a/b:1", "example.com/a", 0},
        {MATCH_REPO, "example.com/a/b:1", "example.com/a/b/c", 0},
        /* exactReference: the signature against the policy's reference; the image is ignored. */
        {EXACT_REF("example.com/app:v1"), "other.example/x:y", "example.com/app:v1", 1},
        {EXACT_REF("example.com/app:v1"), "example.com/app:v1", "example.com/app:v2", 0},
        {EXACT_REF("example.com/app:v1"), "example.com/app:v1", "example.com/app", 0},
        {EXACT_REF("busybox:1"), "example.com/app:v1", "docker.io/library/busybox:1", 1},
        {EXACT_REF("example.com/app@" DG), "example.com/app:v1", "example.com/app@" DG, 1},
        {EXACT_REF("example.com/app@" DG), "example.com/app@" DG, "example.com/app:v1", 0},
        /* exactRepository: the signature's name against the policy's (a tag there ignored). */
        {EXACT_REPO("example.com/app"), "other.example/x:y", "example.com/app:anything", 1},
        {EXACT_REPO("example.com/app"), "other.example/x:y", "example.com/app", 1},
        {EXACT_REPO("example.com/app"), "other.example/x:y", "example.com/app@" DG, 1},
        {EXACT_REPO("example.com/app"), "example.com/app:v1", "example.com/app2:v1", 0},
        {EXACT_REPO("example.com/app:ignored"), "busybox:1", "example.com/app:v9", 1},
        {EXACT_REPO("busybox"), "example.com/app:v1", "docker.io/library/busybox:1", 1},
        /* remapIdentity: the image's name with the prefix replaced, then
         * matchRepoDigestOrExact. */
        {REMAP("docker.io/library", "original.com"), "copied:latest", "original.com/copied:latest",
         1},
        {REMAP("docker.io/library", "original.com"), "copied:latest", "copied:latest", 0},
        {REMAP("mirror.example", "docker.io/library"), "mirror.example/busybox:latest",
         "busybox:latest", 1},
        {REMAP("mirror.example", "docker.io/library"), "mirror.example/busybox@" DG,
         "busybox:anytag", 1},
        {REMAP("example.com/ns", "signed.example/ns"), "example.com/ns:1", "signed.example/ns:1",
         1},
        {REMAP("example.com/ns", "signed.example/ns"), "example.com/ns/app:1",
         "signed.example/ns/app:1", 1},
        {REMAP("localhost", "example.com:80/ns/repo"), "localhost/app:1",
         "example.com:80/ns/repo/app:1", 1},
        /* Prefixes end at a path component: libraryy is not under library, nor a port under
         * its host; such images keep their own name. */
        {REMAP("docker.io/library", "original.com"), "docker.io/libraryy/image:1",
         "original.comy/image:1", 0},
        {REMAP("docker.io/library", "original.com"), "docker.io/libraryy/image:1",
         "docker.io/libraryy/image:1", 1},
        {REMAP("example.com", "signed.example"), "example.com:5000/image:1",
         "signed.example:5000/image:1", 0},
        {REMAP("example.com", "signed.example"), "example.com:5000/image:1",
         "example.com:5000/image:1", 1},
        {REMAP("example.com/ns", "signed.example/ns"), "example.com/nsx/app:1",
         "signed.example/nsx/app:1", 0},
        /* The rewritten name must be fully qualified (reference.ParseNamed). */
        {REMAP("example.com/x", "ns/short"), "example.com/x:tag", "docker.io/ns/short:tag", 0},
        {REMAP("example.com/x", "notlocalhost"), "example.com/x:tag",
         "docker.io/library/notlocalhost:tag", 0},
        {REMAP("example.com/x", "docker.io/busybox"), "example.com/x:tag",
         "docker.io/library/busybox:tag", 0},
    };
    char json[1024];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        signet_policy *policy = NULL;
        signet_reference image;
        int got;

        snprintf(json, sizeof(json),
                 "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\""
                 "%s%s}]}",
                 cases[i].rule ? ",\"signedIdentity\":" : "", cases[i].rule ? cases[i].rule : "");
        if ((policy = parse_text(json)) == NULL)
            continue;
        CHECK_OK(signet_reference_parse(&image, harness_ctx, cases[i].image));
        got = policy__identity_accepted(&policy->default_reqs.items[0].identity, &image,
                                        cases[i].signed_identity);
        if (got != cases[i].accepted)
            harness_fail(__FILE__, __LINE__, "%s: image %s, signed %s: %s, want %s",
                         cases[i].rule ? cases[i].rule : "(default)", cases[i].image,
                         cases[i].signed_identity, got ? "accepted" : "denied",
                         cases[i].accepted ? "accepted" : "denied");
        signet_policy_free(policy);
    }
}

static void
test_policy__parsed_fields(void)
{
    signet_policy *policy = parse_text(
        "{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caData\":\"YWJj\","
        "\"oidcIssuer\":\"https://i\",\"subjectEmail\":\"a@b\"},\"rekorPublicKeyDatas\":[\"YQ==\"],"
        "\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"mirror.example\","
        "\"signedPrefix\":\"docker.io/library\"}},"
        "{\"type\":\"signedBy\",\"keyType\":\"signedByGPGKeys\",\"keyPaths\":[\"/a\",\"/b\"]}]}");
    const struct policy_requirement *r;

    if (policy == NULL)
        return;
    r = &policy->default_reqs.items[0];
    CHECK(r->keys == POLICY_KEYS_FULCIO);
    CHECK(r->fulcio.ca_data.present && r->fulcio.ca_data.len == 3 &&
          memcmp(r->fulcio.ca_data.data, "abc", 3) == 0);
    CHECK(strcmp(r->fulcio.oidc_issuer, "https://i") == 0);
    CHECK(strcmp(r->fulcio.subject_email, "a@b") == 0);
    CHECK(r->rekor == POLICY_KEYS_DATAS && r->rekor_key_datas.count == 1 &&
          r->rekor_key_datas.items[0].len == 1);
    CHECK(r->identity.type == SIGNET_POLICY_REMAP_IDENTITY);
    CHECK(strcmp(r->identity.prefix, "mirror.example") == 0);
    CHECK(strcmp(r->identity.signed_prefix, "docker.io/library") == 0);
    r = &policy->default_reqs.items[1];
    CHECK(r->key_type == POLICY_KEY_SIGNED_BY_GPG_KEYS);
    CHECK(r->keys == POLICY_KEYS_PATHS && r->key_paths.count == 2);
    CHECK(strcmp(r->key_paths.items[1], "/b") == 0);
    signet_policy_free(policy);
}

/* The scopes of policy_eval_test.go's table, plus a port, a transport without "" and the
 * image's own identity. */
static const char scoped_policy[] = "{\"default\":[{\"type\":\"reject\"}],"
                                    "\"transports\":{\"docker\":{"
                                    "\"\":[{\"type\":\"insecureAcceptAnything\"}],"
                                    "\"unmatched\":[{\"type\":\"reject\"}],"
                                    "\"deep.com\":[{\"type\":\"reject\"},{\"type\":\"reject\"}],"
                                    "\"*.very.deep.com\":[{\"type\":\"reject\"}],"
                                    "\"*.deep.com\":[{\"type\":\"reject\"}],"
                                    "\"deep.com/n1\":[{\"type\":\"reject\"}],"
                                    "\"deep.com/n1/n2\":[{\"type\":\"reject\"}],"
                                    "\"deep.com/n1/n2/n3\":[{\"type\":\"reject\"}],"
                                    "\"deep.com/n1/n2/n3/repo\":[{\"type\":\"reject\"}],"
                                    "\"deep.com/n1/n2/n3/repo:tag2\":[{\"type\":\"reject\"}],"
                                    "\"example.com:5000\":[{\"type\":\"reject\"}],"
                                    "\"*.com\":[{\"type\":\"reject\"}],"
                                    "\"docker.io/library/busybox\":[{\"type\":\"reject\"}],"
                                    "\"*.0.1\":[{\"type\":\"reject\"}]"
                                    "},\"atomic\":{\"deep.com\":[{\"type\":\"reject\"}]}}}";

static void
test_policy__scope_lookup(void)
{
    static const struct {
        const char *transport, *image, *scope;
        signet_policy_scope_kind kind;
    } cases[] = {
        {"docker", "deep.com/n1/n2/n3/repo:tag2", "deep.com/n1/n2/n3/repo:tag2",
         SIGNET_POLICY_SCOPE_IDENTITY},
        {"docker", "deep.com/n1/n2/n3/repo:nottag2", "deep.com/n1/n2/n3/repo",
         SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "deep.com/n1/n2/other:1", "deep.com/n1/n2", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "deep.com/n1/x", "deep.com/n1", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "deep.com/notn1/n2/n3/repo:tag2", "deep.com", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "very.deep.com/n1/n2/n3/repo:tag2", "*.deep.com", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "not.very.deep.com/n1/n2/n3/repo:tag2", "*.very.deep.com",
         SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "example.com:5000/ns/r:t", "example.com:5000", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "other.com:5000/ns/r:t", "*.com", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "127.0.0.1:5000/x:t", "*.0.1", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "busybox", "docker.io/library/busybox", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"docker", "this.does-not/match:anything", "", SIGNET_POLICY_SCOPE_TRANSPORT_DEFAULT},
        {"docker", "localhost/x", "", SIGNET_POLICY_SCOPE_TRANSPORT_DEFAULT},
        {"atomic", "deep.com/n1/x:1", "deep.com", SIGNET_POLICY_SCOPE_NAMESPACE},
        {"atomic", "this.does-not/match:anything", "", SIGNET_POLICY_SCOPE_DEFAULT},
        {"docker-daemon", "deep.com/n1/x:1", "", SIGNET_POLICY_SCOPE_DEFAULT},
    };
    signet_policy *policy = parse_text(scoped_policy);
    signet_policy_match match;
    signet_reference ref;

    if (policy == NULL)
        return;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_OK(signet_reference_parse(&ref, harness_ctx, cases[i].image));
        CHECK_OK(
            signet_policy_lookup_docker(&match, harness_ctx, policy, cases[i].transport, &ref));
        if (match.kind != cases[i].kind || strcmp(match.scope, cases[i].scope) != 0)
            harness_fail(__FILE__, __LINE__, "%s:%s -> '%s' (%d), want '%s' (%d)",
                         cases[i].transport, cases[i].image, match.scope, (int)match.kind,
                         cases[i].scope, (int)cases[i].kind);
        CHECK(signet_policy_requirements_count(match.requirements) > 0);
    }
    /* The most specific list is the whole answer: "deep.com" has two requirements. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "deep.com/zzz:1"));
    CHECK_OK(signet_policy_lookup_docker(&match, harness_ctx, policy, "docker", &ref));
    CHECK(signet_policy_requirements_count(match.requirements) == 2);
    CHECK(signet_policy_requirement_type_at(match.requirements, 1) == SIGNET_POLICY_REJECT);
    /* The transport default list is insecureAcceptAnything; the global default reject. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "localhost/x"));
    CHECK_OK(signet_policy_lookup_docker(&match, harness_ctx, policy, "docker", &ref));
    CHECK(signet_policy_requirement_type_at(match.requirements, 0) ==
          SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING);
    CHECK_OK(signet_policy_lookup_docker(&match, harness_ctx, policy, "atomic", &ref));
    CHECK(match.requirements == signet_policy_default(policy));
    /* A digest reference is looked up by name@digest. */
    CHECK_OK(signet_reference_parse(
        &ref, harness_ctx,
        "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    CHECK_OK(signet_policy_lookup_docker(&match, harness_ctx, policy, "docker", &ref));
    CHECK(strcmp(match.scope, "docker.io/library/busybox") == 0);
    signet_policy_free(policy);
}

static void
test_policy__load(void)
{
    signet_policy *policy = NULL;
    char path[1024];

    snprintf(path, sizeof(path), "%s", harness_vector("containers-image/policies/remap-ok.json"));
    CHECK_OK(signet_policy_load(&policy, harness_ctx, path));
    CHECK(policy != NULL);
    signet_policy_free(policy);
    policy = NULL;
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "", signet_policy_load(&policy, harness_ctx, "/nonexistent"));
    CHECK(policy == NULL);
    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument",
                    signet_policy_parse(NULL, harness_ctx, "{}", 2, "x"));
    signet_policy_free(NULL);
}

static void
test_policy__json_report_survives_cut_utf8(void)
{
    signet_buf out = SIGNET_BUF_INIT;

    signet_buf_init(&out, 4096, 0);
    /* "é" cut after its first byte, as a fixed-size message buffer can do. */
    CHECK_OK(signet_policy_lint_json(&out, harness_ctx, NULL, "identity \"caf\xc3"));
    CHECK(strstr(out.ptr, "\"error\":\"identity \\\"caf?\"") != NULL);
    signet_buf_dispose(&out);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_policy__json_report_survives_cut_utf8),
        TEST_CASE(test_policy__every_vector_as_containers_image),
        TEST_CASE(test_policy__no_vector_left_out),
        TEST_CASE(test_policy__go_messages),
        TEST_CASE(test_policy__accepts_what_containers_image_accepts),
        TEST_CASE(test_policy__each_signed_identity),
        TEST_CASE(test_policy__identity_rules),
        TEST_CASE(test_policy__parsed_fields),
        TEST_CASE(test_policy__scope_lookup),
        TEST_CASE(test_policy__load),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
