// A scratch directory for state files, on tmpfs when there is one.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace getxapi::inbox::testing {

class Scratch {
 public:
  explicit Scratch(std::string const& tag) {
    namespace fs = std::filesystem;
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    static int counter = 0;
    path_ = base / ("getxapi-inbox-" + tag + "-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { std::filesystem::remove_all(path_); }
  Scratch(Scratch const&) = delete;
  Scratch& operator=(Scratch const&) = delete;
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace getxapi::inbox::testing
