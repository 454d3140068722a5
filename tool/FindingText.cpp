#include "FindingText.h"

namespace mapguard {
namespace {

// Brackets would read as Markdown links in the text SARIF viewers render.
std::string escapeMessage(llvm::StringRef Text) {
  std::string Out;
  for (char C : Text) {
    if (C == '[' || C == ']' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out;
}

} // namespace

std::string sarifMessageText(const clang::tidy::ClangTidyError &E) {
  std::string Text = escapeMessage(E.Message.Message);
  for (size_t I = 0; I < E.Notes.size(); ++I)
    Text += (I == 0 ? " (" : "; ") + ("[" + escapeMessage(E.Notes[I].Message) + "](" + std::to_string(I + 1) + ")");
  if (!E.Notes.empty())
    Text += ")";
  return Text;
}

} // namespace mapguard
