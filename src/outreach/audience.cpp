#include <getxapi/outreach/audience.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace getxapi::outreach {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool valid_handle(std::string_view s) {
  if (s.empty() || s.size() > 50) return false;
  for (char c : s) {
    bool const ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Audience Audience::followers_of(std::string user_name) {
  if (!user_name.empty() && user_name.front() == '@') user_name.erase(0, 1);
  return Audience{Kind::kFollowers, std::move(user_name)};
}

Audience Audience::from_file(std::string path) { return Audience{Kind::kFile, std::move(path)}; }

std::string Audience::describe() const {
  return (kind == Kind::kFollowers ? "followers:" : "file:") + source;
}

Result<std::vector<FileRecipient>> parse_recipients(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<FileRecipient> out;
  std::set<std::string> seen;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto const nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    FileRecipient r;
    if (line.front() == '@') {
      line.remove_prefix(1);
      if (!valid_handle(line)) {
        return Error(ErrorCode::kInvalidArgument,
                     "recipients file line " + std::to_string(line_no) + ": not a handle");
      }
      r.user_name = std::string(line);
    } else if (all_digits(line)) {
      r.id = std::string(line);
    } else if (valid_handle(line)) {
      r.user_name = std::string(line);
    } else {
      return Error(ErrorCode::kInvalidArgument, "recipients file line " + std::to_string(line_no) +
                                                    ": expected a handle or a numeric user id");
    }
    std::string const key = r.id.empty() ? "@" + lower(r.user_name) : r.id;
    if (seen.insert(key).second) out.push_back(std::move(r));
  }
  if (out.empty()) return Error(ErrorCode::kInvalidArgument, "recipients file lists nobody");
  return out;
}

Result<std::vector<FileRecipient>> read_recipients_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kInvalidArgument, "cannot read recipients file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_recipients(text.str());
}

}  // namespace getxapi::outreach
