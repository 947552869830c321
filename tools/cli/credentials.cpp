#include "credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace getxapi::cli {

namespace {

constexpr char kFileName[] = "credentials.json";
constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;

Error store_error(std::string what, std::string const& path, int err = 0) {
  if (err != 0) what += std::string(": ") + std::strerror(err);
  return Error(ErrorCode::kStoreError, what + " (" + path + ")");
}

std::string parent_of(std::string const& path) {
  auto const slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// mkdir -p, the last component 0700 (and any it creates).
bool make_directories(std::string const& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  std::string const parent = parent_of(dir);
  if (parent != dir && !make_directories(parent)) return false;
  return ::mkdir(dir.c_str(), kDirMode) == 0 || errno == EEXIST;
}

bool write_all(int fd, std::string const& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto const n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string text_field(nlohmann::json const& j, char const* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::string> config_directory(Environment const& env) {
  auto get = [&](char const* name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (auto xdg = get("XDG_CONFIG_HOME"); !xdg.empty() && xdg.front() == '/') {
    return xdg + "/getxapi";
  }
  if (auto home = get("HOME"); !home.empty()) return home + "/.config/getxapi";
  return std::nullopt;
}

std::optional<std::string> credentials_path(Environment const& env) {
  auto dir = config_directory(env);
  if (!dir) return std::nullopt;
  return *dir + "/" + kFileName;
}

Result<std::optional<StoredCredentials>> load_credentials(std::string const& path) {
  int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<StoredCredentials>();
    return store_error("cannot read the stored credentials", path, errno);
  }
  struct stat st {};
  bool const stat_ok = ::fstat(fd, &st) == 0;
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < 65536;) {
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!stat_ok || !S_ISREG(st.st_mode)) return store_error("not a regular file", path);
  if ((st.st_mode & 077) != 0) {
    return store_error(
        "the stored credentials are readable by others; run chmod 600 on the file "
        "or `getxapi auth login` again",
        path);
  }
  auto const j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return store_error("the stored credentials are not a JSON object", path);
  StoredCredentials c;
  c.api_key = text_field(j, "api_key");
  c.auth_token = text_field(j, "auth_token");
  c.username = text_field(j, "username");
  c.user_id = text_field(j, "user_id");
  return std::optional<StoredCredentials>(std::move(c));
}

Result<bool> save_credentials(std::string const& path, StoredCredentials const& c) {
  std::string const dir = parent_of(path);
  if (!make_directories(dir)) return store_error("cannot create the directory", dir, errno);
  // An existing directory keeps its mode only if nobody else can enter it.
  ::chmod(dir.c_str(), kDirMode);
  nlohmann::json j = nlohmann::json::object();
  if (!c.api_key.empty()) j["api_key"] = c.api_key;
  if (!c.auth_token.empty()) j["auth_token"] = c.auth_token;
  if (!c.username.empty()) j["username"] = c.username;
  if (!c.user_id.empty()) j["user_id"] = c.user_id;
  std::string const data = j.dump(2) + "\n";

  std::string const tmp = path + ".tmp." + std::to_string(::getpid());
  int const fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kFileMode);
  if (fd < 0) return store_error("cannot create", tmp, errno);
  // The umask may have cleared bits, never added any; set exactly 0600 anyway.
  bool ok = ::fchmod(fd, kFileMode) == 0 && write_all(fd, data) && ::fsync(fd) == 0;
  int const write_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int const e = ok ? errno : write_errno;
    ::unlink(tmp.c_str());
    return store_error("cannot write the stored credentials", path, e);
  }
  // The rename is durable once the directory entry is.
  if (int const dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

Result<bool> remove_credentials(std::string const& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return store_error("cannot remove the stored credentials", path, errno);
}

}  // namespace getxapi::cli
