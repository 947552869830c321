// Opens an outreach journal (SQLite), so linking it proves the installed
// getxapi-outreach.pc brings -lsqlite3 for a static install.
#include <getxapi/outreach.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: outreach_consumer JOURNAL\n";
    return 2;
  }
  try {
    auto journal = getxapi::outreach::Journal::open(argv[1]);
    std::cout << "journal schema " << journal.schema_version() << " campaigns "
              << journal.campaigns().size() << "\n";
  } catch (std::exception const& e) {
    std::cerr << "journal: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
