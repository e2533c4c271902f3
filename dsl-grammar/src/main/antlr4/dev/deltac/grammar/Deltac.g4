/*
 * The .nn language (docs/LANGUAGE.md).
 *
 * Statements end at a newline or ';'. Newlines inside (...) and [...] are not terminators: the
 * lexer counts open brackets and drops NL tokens while any is open. '{' and '}' reset the count,
 * and so does a newline before a statement keyword, so an unclosed '(' cannot swallow the rest
 * of the file.
 *
 * Expression precedence, lowest first: if-then-else; comparisons (non-associative); + -;
 * * / @; unary -; ^ (right-associative, its right operand may be negated: 2 ^ -1);
 * postfix: index x[i], slice x[a:b], transpose x.T, member h.W. Calls are f(...) on a name.
 */
grammar Deltac;

@lexer::members {
  private int nesting = 0;

  private static final java.util.Set<String> STATEMENT_KEYWORDS = java.util.Set.of(
      "model", "function", "input", "target", "param", "const", "state", "for", "output", "loss",
      "train", "return");

  /**
   * True when the next line starts with a statement keyword. Such a word can never continue an
   * expression, so a newline before it ends the statement even inside an unclosed bracket: an
   * unclosed '(' is then reported on its own line instead of swallowing the rest of the block.
   */
  private boolean statementAhead() {
    int i = 1;
    while (true) {
      int c = _input.LA(i);
      if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n') { i++; continue; }
      break;
    }
    StringBuilder word = new StringBuilder();
    while (word.length() < 9) {
      int c = _input.LA(i++);
      if (c >= 'a' && c <= 'z') word.append((char) c); else {
        if (c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') return false;
        break;
      }
    }
    return STATEMENT_KEYWORDS.contains(word.toString());
  }
}

program : sep* (decl sep*)* EOF ;

decl
  : MODEL ident NL* block                                          # modelDecl
  | FUNCTION ident LPAREN (funArg (COMMA funArg)*)? RPAREN NL* block # functionDecl
  ;

funArg : ident shape? ;

block : LBRACE sep* (stmt (sep+ stmt)*)? sep* RBRACE ;

sep : NL | SEMI ;

shape : LBRACK dim (COMMA dim)* RBRACK ;

dim : MINUS? INT ;

stmt
  : INPUT ident shape?                                   # inputStmt
  | TARGET ident shape?                                  # targetStmt
  | PARAM ident shape? (ASSIGN init)?                    # paramStmt
  | CONST ident shape? ASSIGN constValue                 # constStmt
  | STATE ident shape? ASSIGN expr                       # stateStmt
  | FOR ident IN dim DOTDOT dim NL* block                # forStmt
  | OUTPUT ident (COMMA ident)*                          # outputStmt
  | LOSS PLUS_ASSIGN expr                                # lossAccStmt
  | LOSS expr                                            # lossStmt
  | TRAIN NL* LBRACE sep* (trainSetting (sep+ trainSetting)*)? sep* RBRACE # trainStmt
  | RETURN expr                                          # returnStmt
  | ident ASSIGN expr                                    # bindStmt
  ;

init : initName (LPAREN (expr (COMMA expr)*)? RPAREN)? ;

initName : ID | CONST ;

constValue
  : signedNumber                                         # constScalar
  | LBRACK (signedNumber (COMMA signedNumber)*)? RBRACK  # constList
  ;

signedNumber : MINUS? number ;

number : INT | FLOAT ;

trainSetting : ident expr ;

expr
  : IF expr THEN expr ELSE expr                          # ifExpr
  | comparison                                           # cmpExpr
  ;

comparison : additive (compOp additive)? ;

compOp : LT | LE | GT | GE | EQ | NE ;

additive : multiplicative (addOp multiplicative)* ;

addOp : PLUS | MINUS ;

multiplicative : unary (mulOp unary)* ;

mulOp : STAR | SLASH | AT ;

unary
  : MINUS unary                                          # negExpr
  | power                                                # powExpr
  ;

power : postfix (CARET unary)? ;

postfix : primary postfixOp* ;

postfixOp
  : LBRACK expr RBRACK                                   # indexOp
  | LBRACK expr COLON expr RBRACK                        # sliceOp
  | LBRACK subscript (COMMA subscript)+ RBRACK           # multiIndexOp
  | DOT ident                                            # memberOp
  ;

/** One entry of x[e1, e2, ...], per axis from the first: `:` keeps the axis, a:b slices it, i indexes it. */
subscript
  : COLON                                                # wholeAxis
  | expr COLON expr                                      # rangeAxis
  | expr                                                 # atAxis
  ;

primary
  : number                                               # numberExpr
  | TRUE                                                 # trueExpr
  | FALSE                                                # falseExpr
  | callee LPAREN callArgs? RPAREN                       # callExpr
  | ident                                                # nameExpr
  | LPAREN expr RPAREN                                   # parenExpr
  | LBRACK (expr (COMMA expr)*)? RBRACK                  # listExpr
  ;

callee : ID | CONST ;

callArgs : callArg (COMMA callArg)* ;

callArg
  : ident ASSIGN expr                                    # namedArg
  | expr                                                 # positionalArg
  ;

ident : ID ;

// ---- lexer ----
MODEL    : 'model' ;
FUNCTION : 'function' ;
INPUT    : 'input' ;
TARGET   : 'target' ;
PARAM    : 'param' ;
CONST    : 'const' ;
STATE    : 'state' ;
FOR      : 'for' ;
IN       : 'in' ;
OUTPUT   : 'output' ;
LOSS     : 'loss' ;
RETURN   : 'return' ;
TRAIN    : 'train' ;
IF       : 'if' ;
THEN     : 'then' ;
ELSE     : 'else' ;
TRUE     : 'true' ;
FALSE    : 'false' ;

ID    : [A-Za-z_] [A-Za-z0-9_]* ;
FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT   : DIGITS ;
fragment DIGITS   : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;

PLUS_ASSIGN : '+=' ;
DOTDOT : '..' ;
DOT    : '.' ;
LPAREN : '(' { nesting++; } ;
RPAREN : ')' { if (nesting > 0) nesting--; } ;
LBRACK : '[' { nesting++; } ;
RBRACK : ']' { if (nesting > 0) nesting--; } ;
LBRACE : '{' { nesting = 0; } ;
RBRACE : '}' { nesting = 0; } ;
COMMA  : ',' ;
SEMI   : ';' ;
COLON  : ':' ;
EQ     : '==' ;
NE     : '!=' ;
LE     : '<=' ;
GE     : '>=' ;
LT     : '<' ;
GT     : '>' ;
ASSIGN : '=' ;
PLUS   : '+' ;
MINUS  : '-' ;
STAR   : '*' ;
SLASH  : '/' ;
AT     : '@' ;
CARET  : '^' ;

COMMENT : ('#' | '//') ~[\r\n]* -> skip ;
NL      : ('\r'? '\n' | '\r') { if (nesting > 0) { if (statementAhead()) nesting = 0; else skip(); } } ;
WS      : [ \t\f]+ -> skip ;
